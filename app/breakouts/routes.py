"""The facilitator board and its exports, and people's topic ranking."""
from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.auth.decorators import facilitator_of_event, staff_event
from app.breakouts import bp, paging, placement, services, topics
from app.breakouts.forms import (MIX_STEPS, AllocateForm, GroupForm, MoveForm, PairForm,
                                 PinForm, ranking_form)
from app.errors import press_button, show_refusal
from app.models import PairKind, Role
from app.pdf import render_pdf
from app.registration.pages import private_page, render_personal_page
from app.registration.links import get_registration_by_token
from app.registration.words import sector_label


def _board_url(event, anchor: str = "", show: int | None = None) -> str:
    """The board; `show` opens the page that holds that person's card."""
    args = {"show": show} if show else {}
    return url_for("breakouts.board", slug=event.slug, **args) + anchor


def _board(event, anchor: str = ""):
    return redirect(_board_url(event, anchor), 303)


def _button(event, action, done, anchor: str = "", show: int | None = None, **options):
    """A button of the board: check its CSRF token, run `action`, say what `done(result)` is."""
    return press_button(action, done, _board_url(event),
                        then=_board_url(event, anchor, show), **options)


def _move_choices(view: placement.BoardView) -> list[tuple[str, str]]:
    """Groups by their short topic; groups sharing a topic get a number."""
    shared = {t for t in view.topics if sum(c.group.topic == t for c in view.columns) > 1}
    seen: dict[str, int] = {}
    choices = [("", _("Keine Gruppe"))]
    for c in view.columns:
        seen[c.group.topic] = seen.get(c.group.topic, 0) + 1
        label = f"{c.group.topic} ({seen[c.group.topic]})" if c.group.topic in shared \
            else c.group.topic
        choices.append((str(c.group.id), label))
    return choices


def _pair_form(view: placement.BoardView, form: PairForm | None = None) -> PairForm:
    form = form or PairForm(formdata=None)
    choices = [SelectChoice(rid, name) for rid, name in view.choosers]
    form.first_id.choices = choices
    form.second_id.choices = choices
    form.first_id.widget = form.second_id.widget = paging.ManyOptionsSelect()
    return form


@bp.route("/manage/events/<slug>/breakouts")
@facilitator_of_event
def board(event):
    return _board_page(event, placement.board_view(event))


def _board_page(event, view: placement.BoardView, pair_form: PairForm | None = None,
                status: int = 200):
    allocate_form = AllocateForm(formdata=None)
    allocate_form.mix.data = min(range(len(MIX_STEPS)),
                                 key=lambda i: abs(MIX_STEPS[i] - view.mix_weight))
    board_url = url_for("breakouts.board", slug=event.slug)
    shown = request.args.get("show", type=int)
    number = (paging.page_of_card(view, shown) if shown else None) or \
        request.args.get("page", 1, type=int)
    return render_template("breakouts/board.html", event=event, view=view,
                           allocate_form=allocate_form, pair_form=_pair_form(view, pair_form),
                           move_choices=_move_choices(view),
                           board_page=paging.board_page(view, number),
                           moving=request.args.get("move", type=int),
                           board_url=board_url, people_url=board_url + "/people/",
                           may_mail=current_user.has_role(Role.STAFF)), status


def _group_form(group=None) -> GroupForm:
    form = GroupForm(obj=group)
    form.facilitator_id.choices = [SelectChoice("", _("Niemand festgelegt"))] + \
        [SelectChoice(uid, name) for uid, name in topics.facilitator_choices()]
    return form


def _group_page(event, form: GroupForm, group=None):
    if form.validate_on_submit():
        topics.save_group(event, group, topics.GroupData(
            title=form.title.data, topic=form.topic.data, description=form.description.data or "",
            facilitator_id=form.facilitator_id.data, min_size=form.min_size.data,
            max_size=form.max_size.data, room=form.room.data or ""))
        flash(_("Die Gruppe ist gespeichert."), "success")
        return _board(event, "#groups-heading")
    status = 422 if form.errors else 200
    return render_template("breakouts/group_form.html", event=event, form=form,
                           group=group), status


@bp.route("/manage/events/<slug>/breakouts/groups/new", methods=["GET", "POST"])
@facilitator_of_event
def create_group(event):
    return _group_page(event, _group_form())


@bp.route("/manage/events/<slug>/breakouts/groups/<int:group_id>", methods=["GET", "POST"])
@facilitator_of_event
def edit_group(event, group_id: int):
    group = topics.get_group_or_404(event, group_id)
    return _group_page(event, _group_form(group), group)


@bp.route("/manage/events/<slug>/breakouts/groups/<int:group_id>/delete", methods=["POST"])
@facilitator_of_event
def delete_group(event, group_id: int):
    group = topics.get_group_or_404(event, group_id)
    return _button(event, lambda: topics.delete_group(event, group),
                   lambda _result: _("Die Gruppe „%(title)s“ ist gelöscht.", title=group.title))


@bp.route("/manage/events/<slug>/breakouts/allocate", methods=["POST"])
@facilitator_of_event
def allocate(event):
    form = AllocateForm()
    if not form.validate_on_submit():
        flash(_("Bitte wählen Sie eine Einstellung für die Mischung."), "danger")
        return _board(event)
    try:
        run, warnings = placement.allocate(event, form.mix_weight, current_user)
    except topics.BreakoutError as exc:
        show_refusal(exc)
        return _board(event)
    flash(_("%(count)d Personen sind eingeteilt.", count=run.people), "success")
    for warning in warnings:
        flash(warning, "warning")
    return _board(event, "#figures-heading")


@bp.route("/manage/events/<slug>/breakouts/people/<int:registration_id>/move",
          methods=["POST"])
@facilitator_of_event
def move(event, registration_id: int):
    form = MoveForm()
    form.group_id.choices = [SelectChoice("", "")] + \
        [SelectChoice(g.id, g.title) for g in topics.groups_of(event.id)]
    return _button(event, lambda: placement.move(event, registration_id, form.group_id.data,
                                                current_user),
                   _("Verschoben und angeheftet."), f"#card-{registration_id}", registration_id,
                   form=form, as_json=lambda _result: {"moved": True})


@bp.route("/manage/events/<slug>/breakouts/people/<int:registration_id>/pin", methods=["POST"])
@facilitator_of_event
def pin(event, registration_id: int):
    form = PinForm()
    pinned = form.pinned.data == "1"
    return _button(event, lambda: placement.set_pinned(event, registration_id, pinned),
                   _("Angeheftet: bleibt bei jeder neuen Berechnung in dieser Gruppe.") if pinned
                   else _("Gelöst: darf bei der nächsten Berechnung wechseln."),
                   f"#card-{registration_id}", registration_id, form=form)


@bp.route("/manage/events/<slug>/breakouts/pairs", methods=["POST"])
@facilitator_of_event
def add_pair(event):
    view = placement.board_view(event)
    form = _pair_form(view, PairForm())
    if form.validate_on_submit():
        try:
            placement.add_pair(event, form.first_id.data, form.second_id.data,
                              PairKind(form.kind.data))
        except topics.BreakoutError as exc:
            show_refusal(exc)
        else:
            flash(_("Gilt ab der nächsten Berechnung."), "success")
        return _board(event, "#pairs-heading")
    return _board_page(event, view, form, 422)


@bp.route("/manage/events/<slug>/breakouts/pairs/<int:pair_id>/delete", methods=["POST"])
@facilitator_of_event
def delete_pair(event, pair_id: int):
    return _button(event, lambda: placement.remove_pair(event, pair_id),
                   lambda _result: _("Die Regel ist entfernt."), "#pairs-heading")


@bp.route("/manage/events/<slug>/breakouts/publish", methods=["GET", "POST"])
@facilitator_of_event
def publish(event):
    """GET asks first and says how many people get a mail; the page's button publishes."""
    if request.method == "GET":
        return render_template("breakouts/publish_confirm.html", event=event,
                               preview=services.publish_preview(event))
    return _button(event, lambda: services.publish(event, current_user), lambda told: ngettext(
        "Veröffentlicht. %(num)d Person bekommt eine E-Mail mit ihrer Gruppe.",
        "Veröffentlicht. %(num)d Personen bekommen eine E-Mail mit ihrer Gruppe.", told))


@bp.route("/manage/events/<slug>/breakouts/unpublish", methods=["POST"])
@facilitator_of_event
def unpublish(event):
    return _button(event, lambda: services.unpublish(event, current_user), lambda _result: _(
        "Die Gruppen sind nicht mehr auf den persönlichen Seiten zu sehen."))


@bp.route("/manage/events/<slug>/breakouts/request-topics", methods=["POST"])
@staff_event
def request_topics(event):
    return _button(event, lambda: services.request_topic_choices(event, current_user),
                   lambda sent: _("%(count)d Personen bekommen eine E-Mail mit der Bitte, "
                                  "Themen zu wählen.", count=sent))


def _download(body, content_type: str, filename: str, disposition: str = "attachment"):
    response = make_response(body)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@bp.route("/manage/events/<slug>/breakouts/groups.pdf")
@facilitator_of_event
def groups_pdf(event):
    lists = services.group_lists(event, current_user, "groups_pdf")
    pdf = render_pdf(render_template("breakouts/groups_pdf.html", event=event, lists=lists))
    return _download(pdf, "application/pdf", f"gruppen-{event.slug}.pdf", "inline")


@bp.route("/manage/events/<slug>/breakouts/groups.csv")
@facilitator_of_event
def groups_csv(event):
    lists = services.group_lists(event, current_user, "groups_csv")
    return _download(services.groups_csv(lists, sector_label), "text/csv; charset=utf-8",
                     f"gruppen-{event.slug}.csv")


@bp.route("/manage/events/<slug>/breakouts/video-rooms.csv")
@staff_event
def video_rooms_csv(event):
    lists = services.group_lists(event, current_user, "video_rooms_csv")
    return _download(services.video_tool_csv(lists), "text/csv; charset=utf-8",
                     f"breakout-raeume-{event.slug}.csv")


# --- people's side --------------------------------------------------------------------------

@bp.route("/r/<token>/topics", methods=["POST"])
def save_topics(token: str):
    registration = get_registration_by_token(token)
    choice = topics.topic_choice(registration)
    form = ranking_form(choice.topics, choice.ranked, request.form)
    target = url_for("registration.personal_page", token=token) + "#topics-heading"
    if not choice.may_rank:
        flash(_("Die Themen können nicht mehr geändert werden."), "danger")
        return redirect(target, 303)
    if form.validate_on_submit():
        topics.set_preferences(registration, form.ranked())
        flash(_("Ihre Themenwünsche sind gespeichert."), "success")
        return redirect(target, 303)
    flash(_("Bitte prüfen Sie Ihre Themenwünsche."), "danger")
    return render_personal_page(registration, token, ranking=form, status=422)


@bp.route("/topics/<token>", methods=["GET", "POST"])
def choose_topics(token: str):
    registration = services.registration_for_topic_link(token)
    choice = topics.topic_choice(registration)
    form = ranking_form(choice.topics, choice.ranked,
                        request.form if request.method == "POST" else None)
    saved = False
    if request.method == "POST" and choice.may_rank and form.validate_on_submit():
        topics.set_preferences(registration, form.ranked())
        saved = True
        choice = topics.topic_choice(registration)
    status = 422 if form.errors else 200
    return private_page(render_template("breakouts/choose_topics.html", token=token,
                                    registration=registration, event=registration.event,
                                    choice=choice, form=form, saved=saved)), status
