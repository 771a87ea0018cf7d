"""Group boards: the member's (personal link), the facilitator's, their polls, the plenary
view and the exports. Every form works without JavaScript (POST, then 303 back)."""
from flask import (flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.auth.decorators import facilitator_of_event
from app.boards import bp, harvest, services, shared, state
from app.boards.forms import (CardForm, DotsForm, EditCardForm, FacilitatorCardForm, MergeForm,
                              PromptsForm)
from app.domain.boards import BoardOverride
from app.errors import PAGE_EXPIRED, press_button
from app.registration.forms import ButtonForm
from app.registration.pages import private_page

# --- shared -----------------------------------------------------------------------------------


def _first_error(*fields) -> str:
    """The first error of the given fields, else the CSRF token's (the page was too old)."""
    return next((f.errors[0] for f in fields if f.errors), None) or str(PAGE_EXPIRED)


def _with_columns(form, prompts: list[str]):
    form.col.choices = list(enumerate(prompts))
    return form


def _poll(poll: state.Poll, render_state):
    """Answer a poll: 304 if the board's tag is what the client has (decided from the poll's
    one statement alone), else the state as JSON."""
    if poll.tag in request.if_none_match:
        response = make_response("", 304)
    else:
        response = jsonify(render_state())
    response.set_etag(poll.tag)
    # The client asks again every few seconds; nothing may keep a copy for others.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _apply(change, done: str, back: str, anchor: str = "board"):
    """Run a change of a form that validated, say what happened (or why it was refused),
    then 303 back to the page."""
    try:
        change()
    except services.BoardError as exc:
        flash(str(exc), "danger")
    else:
        flash(done, "success")
    return redirect(f"{back}#{anchor}", 303)


def _button(change, done: str, back: str, anchor: str = "board"):
    """A button's POST on either board: app.errors.press_button, back to the card."""
    return press_button(change, done, f"{back}#{anchor}", form=ButtonForm())


# --- the member's board --------------------------------------------------------------------


def _member_url(token: str) -> str:
    return url_for("boards.member_board", token=token)


def _member_page(member, token: str, form=None, status: int = 200):
    poll = state.group_poll(member.group)
    view = state.poll_view(poll, group=member.group, member_id=member.registration.id)
    return private_page(render_template(
        "boards/member.html", token=token, view=view, member=member, etag=poll.tag,
        form=form or _with_columns(CardForm(formdata=None), view.prompts),
        button=ButtonForm())), status


@bp.route("/r/<token>/group")
def member_board(token: str):
    return _member_page(state.member_of_token(token), token)


@bp.route("/r/<token>/group/state.json")
def member_state(token: str):
    poll = state.member_poll(token)

    def render_state():
        view = state.poll_view(poll)
        # The columns are the group's (shared.py); the member's own marks go as ids.
        own = view.cards
        return {**shared.shared_state(view), "version": view.version,
                "dots_left": view.dots_left,
                "dots_text": _("Ihre Punkte: noch %(n)d", n=view.dots_left or 0),
                "mine": [c.id for c in own if c.mine], "voted": [c.id for c in own if c.voted],
                "csrf": generate_csrf()}
    return _poll(poll, render_state)


@bp.route("/r/<token>/group/cards", methods=["POST"])
def member_add(token: str):
    member = state.member_of_token(token)
    form = _with_columns(CardForm(request.form),
                         state.prompts_of(member.group.id, member.event.id))
    if not form.validate_on_submit():
        return _member_page(member, token, form=form, status=422)
    return _apply(lambda: services.add_card(member, form.body.data, form.col.data,
                                             form.show_name.data == "name"),
                   _("Ihre Karte ist auf der Tafel."), _member_url(token))


@bp.route("/r/<token>/group/cards/<int:card_id>", methods=["POST"])
def member_edit(token: str, card_id: int):
    member = state.member_of_token(token)
    form = EditCardForm()
    if not form.validate_on_submit():
        flash(_first_error(form.body), "danger")
        return redirect(f"{_member_url(token)}#card-{card_id}", 303)
    return _apply(lambda: services.edit_own_card(member, card_id, form.body.data),
                   _("Ihre Karte ist geändert."), _member_url(token), f"card-{card_id}")


def _member_button(token: str, card_id: int, change, done: str):
    member = state.member_of_token(token)
    return _button(lambda: change(member, card_id), done, _member_url(token), f"card-{card_id}")


@bp.route("/r/<token>/group/cards/<int:card_id>/delete", methods=["POST"])
def member_delete(token: str, card_id: int):
    return _member_button(token, card_id, services.delete_own_card, _("Ihre Karte ist gelöscht."))


@bp.route("/r/<token>/group/cards/<int:card_id>/vote", methods=["POST"])
def member_vote(token: str, card_id: int):
    return _member_button(token, card_id, services.vote, _("Ihr Punkt ist vergeben."))


@bp.route("/r/<token>/group/cards/<int:card_id>/unvote", methods=["POST"])
def member_unvote(token: str, card_id: int):
    return _member_button(token, card_id, services.unvote, _("Ihr Punkt ist zurückgenommen."))


# --- the facilitator's board ------------------------------------------------------------------


def _staff_url(event, group) -> str:
    return url_for("boards.staff_board", slug=event.slug, group_id=group.id)


def _staff_page(event, group, *, form=None, prompts=None, status: int = 200):
    poll = state.group_poll(group)
    view = state.poll_view(poll, group=group)
    return render_template(
        "boards/staff.html", event=event, view=view, button=ButtonForm(), etag=poll.tag,
        form=form or _with_columns(FacilitatorCardForm(formdata=None), view.prompts),
        prompts=prompts or PromptsForm(formdata=None).fill(view.prompts),
        defaults=PromptsForm(formdata=None, prefix="defaults").fill(
            state.edition_prompts(event)),
        dots=DotsForm(formdata=None, dots=view.dots_per_member),
        merge_choices=[(c.id, c.body[:80]) for c in view.cards]), status


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board")
@facilitator_of_event
def staff_board(event, group_id: int):
    return _staff_page(event, state.group_of_event_or_404(event, group_id))


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/state.json")
@facilitator_of_event
def staff_state(event, group_id: int):
    group = state.group_of_event_or_404(event, group_id)
    poll = state.group_poll(group)

    def render_state():
        view = state.poll_view(poll, group=group)
        return {
            "version": view.version, "phase": view.time.phase.value,
            "writable": view.time.writable, "voting_open": view.voting_open,
            "dots_left": view.dots_left,
            "cards": [{"id": c.id, "column": c.col, "text": c.body, "author": c.author,
                       "votes": c.votes, "key_result": c.key_result, "mine": c.mine}
                      for c in view.cards],
            "html": render_template("boards/_staff_columns.html", view=view, event=event,
                                    button=ButtonForm(),
                                    merge_choices=[(c.id, c.body[:80]) for c in view.cards]),
        }
    return _poll(poll, render_state)


def _staff_form(group, form_class):
    return _with_columns(form_class(request.form), state.prompts_of(group.id, group.event_id))


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards", methods=["POST"])
@facilitator_of_event
def staff_add(event, group_id: int):
    group = state.group_of_event_or_404(event, group_id)
    form = _staff_form(group, FacilitatorCardForm)
    if not form.validate_on_submit():
        return _staff_page(event, group, form=form, status=422)
    return _apply(lambda: services.facilitator_add_card(group, form.body.data, form.col.data),
                   _("Die Karte ist auf der Tafel."), _staff_url(event, group))


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards/<int:card_id>",
          methods=["POST"])
@facilitator_of_event
def staff_edit(event, group_id: int, card_id: int):
    group = state.group_of_event_or_404(event, group_id)
    form = _staff_form(group, FacilitatorCardForm)
    if not form.validate_on_submit():
        flash(_first_error(form.body, form.col), "danger")
        return redirect(f"{_staff_url(event, group)}#card-{card_id}", 303)
    return _apply(lambda: services.facilitator_edit_card(group, card_id, form.body.data,
                                                          form.col.data),
                   _("Die Karte ist geändert."), _staff_url(event, group), f"card-{card_id}")


def _staff_button(event, group_id: int, change, done: str, anchor: str = "board"):
    group = state.group_of_event_or_404(event, group_id)
    return _button(lambda: change(group), done, _staff_url(event, group), anchor)


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards/<int:card_id>/delete",
          methods=["POST"])
@facilitator_of_event
def staff_delete(event, group_id: int, card_id: int):
    return _staff_button(event, group_id,
                         lambda g: services.facilitator_delete_card(g, card_id),
                         _("Die Karte ist gelöscht."))


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards/<int:card_id>/merge",
          methods=["POST"])
@facilitator_of_event
def staff_merge(event, group_id: int, card_id: int):
    group = state.group_of_event_or_404(event, group_id)
    form = MergeForm()
    form.into.choices = [(c.id, c.body[:80]) for c in state.board_view(group).cards]
    if not form.validate_on_submit():
        flash(_first_error(form.into), "danger")
        return redirect(f"{_staff_url(event, group)}#card-{card_id}", 303)
    return _apply(lambda: services.merge_cards(group, card_id, form.into.data),
                   _("Die Karten sind zusammengeführt."), _staff_url(event, group),
                   f"card-{form.into.data}")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards/<int:card_id>/unmerge",
          methods=["POST"])
@facilitator_of_event
def staff_unmerge(event, group_id: int, card_id: int):
    return _staff_button(event, group_id, lambda g: services.unmerge_card(g, card_id),
                         _("Die Karte steht wieder für sich."), f"card-{card_id}")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards/<int:card_id>/key-result",
          methods=["POST"])
@facilitator_of_event
def staff_key_result(event, group_id: int, card_id: int):
    value = request.form.get("value") == "1"
    return _staff_button(event, group_id, lambda g: services.set_key_result(g, card_id, value),
                         _("Als zentrales Ergebnis markiert.") if value
                         else _("Markierung entfernt."), f"card-{card_id}")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/voting", methods=["POST"])
@facilitator_of_event
def staff_voting(event, group_id: int):
    value = request.form.get("value") == "1"
    return _staff_button(event, group_id, lambda g: services.set_board(g, voting_open=value),
                         _("Die Abstimmung ist eröffnet.") if value
                         else _("Die Abstimmung ist beendet."), "controls")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/open", methods=["POST"])
@facilitator_of_event
def staff_override(event, group_id: int):
    value = request.form.get("value", "")
    messages = {BoardOverride.OPEN: _("Die Tafel ist geöffnet."),
                BoardOverride.CLOSED: _("Die Tafel ist geschlossen."),
                BoardOverride.AUTO: _("Die Tafel folgt wieder dem Ablaufplan.")}

    def change(group):
        if value not in {o.value for o in BoardOverride}:
            raise services.BoardError(_("Bitte wählen Sie: öffnen, schließen oder dem "
                                        "Ablaufplan folgen."))
        services.set_board(group, override=BoardOverride(value))
    return _staff_button(event, group_id, change,
                         messages.get(value, ""), "controls")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/dots", methods=["POST"])
@facilitator_of_event
def staff_dots(event, group_id: int):
    group = state.group_of_event_or_404(event, group_id)
    form = DotsForm()
    if not form.validate_on_submit():
        flash(_first_error(form.dots), "danger")
        return redirect(f"{_staff_url(event, group)}#controls", 303)
    return _apply(lambda: services.set_board(group, dots_per_member=form.dots.data),
                   _("Die Zahl der Punkte ist gespeichert."), _staff_url(event, group),
                   "controls")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/prompts", methods=["POST"])
@facilitator_of_event
def staff_prompts(event, group_id: int):
    group = state.group_of_event_or_404(event, group_id)
    form = PromptsForm()
    if not form.validate_on_submit():
        return _staff_page(event, group, prompts=form, status=422)
    return _apply(lambda: services.save_prompts(group, form.titles()),
                   _("Die Spalten sind gespeichert."), _staff_url(event, group), "prompts")


@bp.route("/manage/events/<slug>/breakouts/board-prompts", methods=["POST"])
@facilitator_of_event
def edition_prompts(event):
    form = PromptsForm(prefix="defaults")
    back = url_for("boards.plenary", slug=event.slug) + "#defaults"
    if not form.validate_on_submit():
        return _plenary_page(event, defaults=form, status=422)
    services.save_edition_prompts(event, form.titles())
    flash(_("Die Standard-Spalten der Ausgabe sind gespeichert."), "success")
    return redirect(back, 303)


# --- plenary and exports ------------------------------------------------------------------------


def _plenary_page(event, defaults=None, status: int = 200):
    return render_template(
        "boards/plenary.html", event=event, views=harvest.plenary(event),
        defaults=defaults or PromptsForm(formdata=None, prefix="defaults").fill(
            state.edition_prompts(event))), status


@bp.route("/manage/events/<slug>/breakouts/plenary")
@facilitator_of_event
def plenary(event):
    return _plenary_page(event)


def _download(body: str, mimetype: str, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/events/<slug>/breakouts/results.md")
@facilitator_of_event
def export_markdown(event):
    return _download(harvest.results_markdown(event, current_user),
                     "text/markdown; charset=utf-8", f"ergebnisse-{event.slug}.md")


@bp.route("/manage/events/<slug>/breakouts/results.csv")
@facilitator_of_event
def export_csv(event):
    return _download(harvest.results_csv(event, current_user), "text/csv; charset=utf-8",
                     f"ergebnisse-{event.slug}.csv")
