"""The survey behind the personal link, the staff results, and the question editor."""
from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import format_decimal, format_number, format_percent, get_locale
from flask_babel import gettext as _

from app.auth.decorators import staff_event
from app.domain.statistics import Figure, compute_bar_chart
from app.errors import PAGE_EXPIRED, press_button, show_refusal
from app.extensions import db
from app.feedback import bp, services
from app.feedback import questions as bank
from app.feedback.forms import (PROBLEM_MESSAGES, ButtonForm, QuestionForm, field_name,
                                raw_answers, survey_form)
from app.models import FeedbackQuestion, QuestionKind


def _private(response, status: int = 200):
    response = make_response(response, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- the survey ---------------------------------------------------------------------------

@bp.route("/r/<token>/feedback", methods=["GET", "POST"])
def survey(token: str):
    registration = services.registration_for_token(token)
    page = services.survey_page(registration)
    language = str(get_locale())
    form = survey_form(page.questions, language)
    status = 200
    if form.is_submitted():
        if not form.validate():
            flash(str(PAGE_EXPIRED), "danger")
            return redirect(url_for("feedback.survey", token=token), 303)
        try:
            services.submit_answers(registration.id, raw_answers(form, len(page.questions)))
        except bank.FeedbackError as exc:
            for index, problem in exc.problems.items():
                getattr(form, field_name(index)).errors.append(PROBLEM_MESSAGES[problem])
            if exc.problems:
                status = 422
            else:  # closed, not open for them, answered already: said politely, nothing stored
                flash(str(exc.message), "info")
                status = 409
            db.session.refresh(registration)
            page = services.survey_page(registration)
        else:
            flash(_("Vielen Dank für Ihre Antworten!"), "success")
            return redirect(url_for("feedback.survey", token=token), 303)
    return _private(render_template("feedback/survey.html", page=page, form=form, token=token,
                                    field_name=field_name,
                                    closes_on=services.window_of(page.event).closes_at), status)


# --- results for staff ----------------------------------------------------------------------

def _mean_text(mean: float | None) -> str:
    return _("keine Angabe") if mean is None else format_decimal(mean, "#,##0.0")


def _figures(found: services.EditionResults, language: str) -> list[tuple]:
    """Per question: (question, result, Figure or None) with every text in the user's language."""
    rows = []
    for index, (q, r) in enumerate(zip(found.questions, found.results.questions, strict=True)):
        if q.kind == QuestionKind.TEXT:
            rows.append((q, r, None))
            continue
        labels = [(key if q.kind == QuestionKind.SCALE else q.option_label(key, language), count)
                  for key, count in r.counts]
        share = [(label, count, format_percent(count / r.answered) if r.answered else "–")
                 for label, count in labels]
        chart = compute_bar_chart([(label, count, f"{format_number(count)} ({pct})")
                                   for label, count, pct in share])
        title = q.text(language)
        desc = "; ".join(f"{label}: {format_number(count)} ({pct})"
                         for label, count, pct in share) + "."
        if r.mean is not None:
            desc = _("Durchschnitt %(mean)s von 5.", mean=_mean_text(r.mean)) + " " + desc
        table = (_("%(title)s als Tabelle", title=title),
                 (_("Antwort"), _("Anzahl"), _("Anteil")),
                 [(label, format_number(count), pct) for label, count, pct in share])
        rows.append((q, r, Figure(f"chart-q{index}", "bar", chart, title, desc,
                                  (_("Antworten"),), table)))
    return rows


@bp.route("/manage/events/<slug>/feedback")
@staff_event
def results(event):
    found = services.edition_results(event)
    language = str(get_locale())
    return render_template("feedback/results.html", event=event, found=found,
                           figures=_figures(found, language) if found.results.shown else [],
                           language=language, mean_text=_mean_text,
                           closes_at=services.window_of(event).closes_at)


@bp.route("/manage/events/<slug>/feedback.csv")
@staff_event
def results_csv(event):
    found = services.edition_results(event)
    response = make_response(services.results_csv(found, str(get_locale())))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="feedback-{event.slug}.csv"'
    return response


# --- the question editor ------------------------------------------------------------------

def _editor(event, form=None, status: int = 200):
    return render_template("feedback/questions.html", event=event,
                           questions=bank.questions_of(event),
                           own=bank.has_own_questions(event),
                           locked=bank.has_responses(event),
                           form=form or QuestionForm(), button=ButtonForm(),
                           language=str(get_locale())), status


@bp.route("/manage/events/<slug>/feedback/questions", methods=["GET", "POST"])
@staff_event
def questions(event):
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            bank.add_question(event, _question_data(form))
        except bank.FeedbackError as exc:
            show_refusal(exc)
            return redirect(url_for("feedback.questions", slug=event.slug), 303)
        flash(_("Die Frage wurde hinzugefügt."), "success")
        return redirect(url_for("feedback.questions", slug=event.slug), 303)
    return _editor(event, form, 422 if form.errors else 200)


def _button(event, change, done):
    """A button of the question editor; every answer goes back to it."""
    return press_button(change, done, url_for("feedback.questions", slug=event.slug),
                        form=ButtonForm())


def _question_data(form: QuestionForm) -> bank.QuestionData:
    return bank.QuestionData(text_de=form.text_de.data.strip(),
                                 text_en=form.text_en.data.strip(),
                                 kind=QuestionKind(form.kind.data),
                                 options=form.parsed_options(), required=form.required.data,
                                 position=form.position.data)


def _own_question_or_404(event, question_id: int) -> FeedbackQuestion:
    question = db.session.get(FeedbackQuestion, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    return question


@bp.route("/manage/events/<slug>/feedback/questions/<int:question_id>",
          methods=["GET", "POST"])
@staff_event
def edit_question(event, question_id: int):
    question = _own_question_or_404(event, question_id)
    form = QuestionForm()
    if not form.is_submitted():
        form = QuestionForm(data={
            "text_de": question.text_de, "text_en": question.text_en, "kind": question.kind.value,
            "required": question.required, "position": question.position,
            "options": "\n".join(f"{o['de']} | {o['en']}" for o in question.options or ())})
    if form.validate_on_submit():
        try:
            bank.change_question(event, question, _question_data(form))
        except bank.FeedbackError as exc:
            show_refusal(exc)
        else:
            flash(_("Die Frage wurde gespeichert."), "success")
        return redirect(url_for("feedback.questions", slug=event.slug), 303)
    return render_template("feedback/question_form.html", event=event, question=question,
                           form=form), 422 if form.errors else 200


@bp.route("/manage/events/<slug>/feedback/questions/<int:question_id>/delete",
          methods=["POST"])
@staff_event
def delete_question(event, question_id: int):
    question = _own_question_or_404(event, question_id)
    return _button(event, lambda: bank.delete_question(event, question),
                   _("Die Frage wurde entfernt."))


@bp.route("/manage/events/<slug>/feedback/questions/customise", methods=["POST"])
@staff_event
def customise_questions(event):
    return _button(event, lambda: bank.customise_questions(event),
                   _("Diese Ausgabe hat jetzt eigene Fragen, die Sie ändern können."))


@bp.route("/manage/events/<slug>/feedback/questions/standard", methods=["POST"])
@staff_event
def make_standard(event):
    return _button(event, lambda: bank.make_series_standard(event), lambda count: _(
        "Diese %(count)s Fragen sind jetzt die Standardfragen der Reihe „%(name)s“.",
        count=count, name=event.series.name))
