"""Staff pages with the statistics of an edition and of a series, charts drawn on the server.

The routes load figures (app.records.statistics), lay out the charts (app.domain.statistics)
and put every text and number into the user's language here, so the templates only draw.
"""
from babel.dates import format_skeleton
from flask import render_template
from flask_babel import format_date, format_decimal, format_number, format_percent, get_locale
from flask_babel import gettext as _

from app.auth.decorators import staff_event, staff_required
from app.domain.statistics import (Figure, SectorShare, compute_bar_chart,
                                   compute_line_chart)
from app.feedback.services import series_trend
from app.records import bp, statistics
from app.records.statistics import SeriesRow
from app.registration.words import sector_label


def rate_text(rate: float | None) -> str:
    """An attendance rate in the user's language, or a word for "none" (nothing to divide)."""
    return _("keine Angabe") if rate is None else format_percent(rate)


def _edition_label(event) -> str:
    return _("Nr. %(number)s · %(date)s", number=event.number,
             date=format_date(event.starts_at, "medium"))


def _over_time_figure(stats: statistics.EditionStatistics) -> Figure | None:
    days = stats.over_time
    if not days:
        return None
    locale = get_locale()
    chart = compute_line_chart([(format_skeleton("MMMd", d.day, locale=locale), d.total)
                                for d in days])
    title = _("Anmeldungen im Zeitverlauf")
    desc = _("Vom %(first)s bis zum %(last)s stieg die Zahl der Anmeldungen auf %(total)s.",
             first=format_date(days[0].day, "long"), last=format_date(days[-1].day, "long"),
             total=format_number(days[-1].total))
    rows = [(format_date(d.day, "medium"), format_number(d.new), format_number(d.total))
            for d in days]
    return Figure("chart-over-time", "line", chart, title, desc,
                  (_("Tag"), _("Anmeldungen insgesamt")),
                  (_("Anmeldungen im Zeitverlauf als Tabelle"),
                   (_("Tag"), _("Neue Anmeldungen"), _("Anmeldungen insgesamt")), rows))


def _sector_figure(sectors: tuple[SectorShare, ...], title: str, unit: str) -> Figure | None:
    if not any(s.count for s in sectors):
        return None
    rows = [(sector_label(s.sector), format_number(s.count), format_percent(s.share)) for s in sectors]
    chart = compute_bar_chart([(name, s.count, f"{count} ({share})")
                               for s, (name, count, share) in zip(sectors, rows, strict=True)])
    desc = "; ".join(f"{name}: {count} ({share})" for name, count, share in rows) + "."
    return Figure("chart-sectors", "bar", chart, title, desc, (unit,),
                  (_("%(title)s als Tabelle", title=title), (_("Bereich"), unit, _("Anteil")),
                   rows))


def _editions_figure(id_: str, rows: list[SeriesRow], value_of, title: str,
                     unit: str) -> Figure | None:
    if not rows:
        return None
    values = [value_of(row.figures) for row in rows]
    table_rows = [(_edition_label(row.event), format_number(value))
                  for row, value in zip(rows, values, strict=True)]
    chart = compute_bar_chart([(label, value, text)
                               for (label, text), value in zip(table_rows, values, strict=True)])
    desc = "; ".join(f"{label}: {text}" for label, text in table_rows) + "."
    return Figure(id_, "bar", chart, title, desc, (unit,),
                  (_("%(title)s als Tabelle", title=title), (_("Ausgabe"), unit), table_rows))


def _trend(rows: list[SeriesRow]) -> tuple[list[tuple], list[Figure]]:
    """The feedback per edition (DESIGN §10): a table row each, and two charts over the
    editions whose results are shown (a rating below the answer threshold stays hidden)."""
    points = series_trend([row.event for row in rows])
    table = [(row, point) for row, point in zip(rows, points, strict=True)]
    rated = [(row, p) for row, p in table if p.mean is not None]
    figures = []
    if rated:
        items = [(_edition_label(row.event), p.mean, format_decimal(p.mean, "#,##0.0"))
                 for row, p in rated]
        title = _("Gesamteindruck je Ausgabe")
        figures.append(Figure(
            "chart-feedback-rating", "bar", compute_bar_chart(items), title,
            "; ".join(_("%(edition)s: %(mean)s von 5", edition=label, mean=text)
                      for label, _v, text in items) + ".",
            (_("Durchschnitt von 1 bis 5"),),
            (_("%(title)s als Tabelle", title=title), (_("Ausgabe"), _("Durchschnitt")),
             [(label, text) for label, _v, text in items])))
    asked = [(row, p) for row, p in table if p.rate is not None]
    if asked:
        items = [(_edition_label(row.event), round(p.rate * 100, 1), format_percent(p.rate))
                 for row, p in asked]
        title = _("Rücklaufquote je Ausgabe")
        figures.append(Figure(
            "chart-feedback-rate", "bar", compute_bar_chart(items), title,
            "; ".join(f"{label}: {text}" for label, _v, text in items) + ".",
            (_("Prozent der Eingeladenen"),),
            (_("%(title)s als Tabelle", title=title), (_("Ausgabe"), _("Rücklaufquote")),
             [(label, text) for label, _v, text in items])))
    return table, figures


@bp.route("/events/<slug>/statistics")
@staff_event
def edition_statistics(event):
    stats = statistics.edition_statistics(event)
    figures = [_over_time_figure(stats),
               _sector_figure(stats.figures.sectors, _("Teilnehmende nach Bereich"),
                              _("Personen"))]
    return render_template("records/stats_edition.html", event=event, stats=stats,
                           figures=figures, rate_text=rate_text)


@bp.route("/series/<series_slug>/statistics")
@staff_required
def series_statistics(series_slug: str):
    stats = statistics.series_statistics(statistics.get_series_or_404(series_slug))
    figures = [
        _editions_figure("chart-registered", stats.rows, lambda f: f.registered,
                         _("Anmeldungen je Ausgabe"), _("Anmeldungen")),
        _editions_figure("chart-attended", stats.rows, lambda f: f.attended,
                         _("Anwesende je Ausgabe"), _("Anwesende Personen")),
        _sector_figure(stats.sectors, _("Teilnahmen nach Bereich, alle Ausgaben"),
                       _("Teilnahmen")),
    ]
    trend, trend_figures = _trend(stats.rows)
    return render_template("records/stats_series.html", series=stats.series, stats=stats,
                           figures=figures, rate_text=rate_text, edition_label=_edition_label,
                           trend=trend, trend_figures=trend_figures,
                           format_decimal=format_decimal)
