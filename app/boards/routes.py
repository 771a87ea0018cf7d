"""Group boards: the member's (personal link), the facilitator's, their polls, the plenary
view and the exports. Every form works without JavaScript (POST, then 303 back)."""
from flask import (flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.auth.decorators import facilitator_of_event
from app.boards import bp, services, shared
from app.boards.forms import (CardForm, DotsForm, EditCardForm, FacilitatorCardForm, MergeForm,
                              PromptsForm)
from app.domain.boards import BoardOverride
from app.registration.forms import ButtonForm
from app.registration.pages import private_page

# --- shared -----------------------------------------------------------------------------------


def _columns(view) -> list[tuple[int, str]]:
    return list(enumerate(view.prompts))


def _card_form(view, formdata=None) -> CardForm:
    form = CardForm(formdata=formdata)
    form.col.choices = _columns(view)
    return form


def _staff_card_form(view, formdata=None) -> FacilitatorCardForm:
    form = FacilitatorCardForm(formdata=formdata)
    form.col.choices = _columns(view)
    return form


def _poll(view_for_etag, render_state):
    """Answer a poll: 304 if the board's tag is what the client has, else the state as JSON."""
    tag, time = view_for_etag()
    if tag in request.if_none_match:
        response = make_response("", 304)
    else:
        response = jsonify(render_state(time))
    response.set_etag(tag)
    # The client asks again every few seconds; nothing may keep a copy for others.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _state(view, fragment: str) -> dict:
    return {
        "version": view.version,
        "phase": view.time.phase.value,
        "writable": view.time.writable,
        "voting_open": view.voting_open,
        "dots_left": view.dots_left,
        "cards": [{"id": c.id, "column": c.col, "text": c.body, "author": c.author,
                   "votes": c.votes, "key_result": c.key_result, "mine": c.mine}
                  for c in view.cards],
        "html": fragment,
    }


def _refused(exc: services.BoardError) -> None:
    flash(str(exc.message), "danger")


def _expired() -> None:
    flash(_("Die Seite war zu lange geöffnet. Bitte versuchen Sie es noch einmal."), "danger")


# --- the member's board --------------------------------------------------------------------


def _member_back(token: str, anchor: str = "board"):
    return redirect(url_for("boards.member_board", token=token) + f"#{anchor}", 303)


def _member_page(member, token: str, form=None, status: int = 200):
    # The tag first: if the board changes in between, the script's first poll fetches it.
    etag, _time = services.poll_tag(member.group, member.event)
    view = services.board_view(member.group, member=member.registration)
    return private_page(render_template(
        "boards/member.html", token=token, view=view, member=member, etag=etag,
        form=form or _card_form(view), button=ButtonForm())), status


@bp.route("/r/<token>/group")
def member_board(token: str):
    return _member_page(services.member_of_token(token), token)


@bp.route("/r/<token>/group/state.json")
def member_state(token: str):
    member = services.member_of_token(token)

    def render_state(time):
        view = services.board_view(member.group, member=member.registration, time=time)
        # The columns are the group's (shared.py); the member's own marks go as ids.
        own = view.cards
        return {**shared.shared_state(view), "version": view.version,
                "dots_left": view.dots_left,
                "dots_text": _("Ihre Punkte: noch %(n)d", n=view.dots_left or 0),
                "mine": [c.id for c in own if c.mine], "voted": [c.id for c in own if c.voted],
                "csrf": generate_csrf()}
    return _poll(lambda: services.poll_tag(member.group, member.event), render_state)


@bp.route("/r/<token>/group/cards", methods=["POST"])
def member_add(token: str):
    member = services.member_of_token(token)
    view = services.board_view(member.group, member=member.registration)
    form = _card_form(view, request.form)
    if not form.validate_on_submit():
        return _member_page(member, token, form=form, status=422)
    try:
        services.add_card(member, form.body.data, form.col.data, form.show_name.data == "name")
    except services.BoardError as exc:
        _refused(exc)
    else:
        flash(_("Ihre Karte ist auf der Tafel."), "success")
    return _member_back(token)


@bp.route("/r/<token>/group/cards/<int:card_id>", methods=["POST"])
def member_edit(token: str, card_id: int):
    member = services.member_of_token(token)
    form = EditCardForm()
    if not form.validate_on_submit():
        flash(form.body.errors[0] if form.body.errors else
              _("Die Seite war zu lange geöffnet. Bitte versuchen Sie es noch einmal."), "danger")
        return _member_back(token, f"card-{card_id}")
    try:
        services.edit_own_card(member, card_id, form.body.data)
    except services.BoardError as exc:
        _refused(exc)
    else:
        flash(_("Ihre Karte ist geändert."), "success")
    return _member_back(token, f"card-{card_id}")


def _member_button(token: str, card_id: int, action, done: str):
    member = services.member_of_token(token)
    if not ButtonForm().validate_on_submit():
        _expired()
        return _member_back(token)
    try:
        action(member, card_id)
    except services.BoardError as exc:
        _refused(exc)
    else:
        flash(done, "success")
    return _member_back(token, f"card-{card_id}")


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


def _staff_back(event, group, anchor: str = "board"):
    return redirect(url_for("boards.staff_board", slug=event.slug, group_id=group.id)
                    + f"#{anchor}", 303)


def _staff_page(event, group, *, form=None, prompts=None, status: int = 200):
    etag, _time = services.poll_tag(group, event)
    view = services.board_view(group)
    return render_template(
        "boards/staff.html", event=event, view=view, button=ButtonForm(), etag=etag,
        form=form or _staff_card_form(view),
        prompts=prompts or PromptsForm(formdata=None).fill(view.prompts),
        defaults=PromptsForm(formdata=None, prefix="defaults").fill(
            services.edition_prompts(event)),
        dots=DotsForm(formdata=None, dots=view.dots_per_member),
        merge_choices=[(c.id, c.body[:80]) for c in view.cards]), status


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board")
@facilitator_of_event
def staff_board(event, group_id: int):
    return _staff_page(event, services.group_of_event_or_404(event, group_id))


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/state.json")
@facilitator_of_event
def staff_state(event, group_id: int):
    group = services.group_of_event_or_404(event, group_id)

    def render_state(time):
        view = services.board_view(group, time=time)
        return _state(view, render_template(
            "boards/_staff_columns.html", view=view, event=event, button=ButtonForm(),
            merge_choices=[(c.id, c.body[:80]) for c in view.cards]))
    return _poll(lambda: services.poll_tag(group, event), render_state)


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards", methods=["POST"])
@facilitator_of_event
def staff_add(event, group_id: int):
    group = services.group_of_event_or_404(event, group_id)
    form = _staff_card_form(services.board_view(group), request.form)
    if not form.validate_on_submit():
        return _staff_page(event, group, form=form, status=422)
    services.facilitator_add_card(group, form.body.data, form.col.data)
    flash(_("Die Karte ist auf der Tafel."), "success")
    return _staff_back(event, group)


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/cards/<int:card_id>",
          methods=["POST"])
@facilitator_of_event
def staff_edit(event, group_id: int, card_id: int):
    group = services.group_of_event_or_404(event, group_id)
    form = _staff_card_form(services.board_view(group), request.form)
    if not form.validate_on_submit():
        errors = form.body.errors or form.col.errors or [
            _("Die Seite war zu lange geöffnet. Bitte versuchen Sie es noch einmal.")]
        flash(errors[0], "danger")
        return _staff_back(event, group, f"card-{card_id}")
    try:
        services.facilitator_edit_card(group, card_id, form.body.data, form.col.data)
    except services.BoardError as exc:
        _refused(exc)
    else:
        flash(_("Die Karte ist geändert."), "success")
    return _staff_back(event, group, f"card-{card_id}")


def _staff_button(event, group_id: int, action, done: str, anchor: str = "board"):
    group = services.group_of_event_or_404(event, group_id)
    if not ButtonForm().validate_on_submit():
        _expired()
        return _staff_back(event, group)
    try:
        action(group)
    except services.BoardError as exc:
        _refused(exc)
    else:
        flash(done, "success")
    return _staff_back(event, group, anchor)


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
    group = services.group_of_event_or_404(event, group_id)
    form = MergeForm()
    form.into.choices = [(c.id, c.body[:80]) for c in services.board_view(group).cards]
    if not form.validate_on_submit():
        flash(form.into.errors[0] if form.into.errors else
              _("Die Seite war zu lange geöffnet. Bitte versuchen Sie es noch einmal."), "danger")
        return _staff_back(event, group, f"card-{card_id}")
    try:
        services.merge_cards(group, card_id, form.into.data)
    except services.BoardError as exc:
        _refused(exc)
    else:
        flash(_("Die Karten sind zusammengeführt."), "success")
    return _staff_back(event, group, f"card-{form.into.data}")


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
    return _staff_button(event, group_id, lambda g: services.set_voting(g, value),
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
        services.set_override(group, BoardOverride(value))
    return _staff_button(event, group_id, change,
                         messages.get(value, ""), "controls")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/dots", methods=["POST"])
@facilitator_of_event
def staff_dots(event, group_id: int):
    group = services.group_of_event_or_404(event, group_id)
    form = DotsForm()
    if not form.validate_on_submit():
        flash(form.dots.errors[0] if form.dots.errors else
              _("Die Seite war zu lange geöffnet. Bitte versuchen Sie es noch einmal."), "danger")
        return _staff_back(event, group, "controls")
    services.set_dots(group, form.dots.data)
    flash(_("Die Zahl der Punkte ist gespeichert."), "success")
    return _staff_back(event, group, "controls")


@bp.route("/manage/events/<slug>/breakouts/<int:group_id>/board/prompts", methods=["POST"])
@facilitator_of_event
def staff_prompts(event, group_id: int):
    group = services.group_of_event_or_404(event, group_id)
    form = PromptsForm()
    if not form.validate_on_submit():
        return _staff_page(event, group, prompts=form, status=422)
    services.save_prompts(group, form.titles())
    flash(_("Die Spalten sind gespeichert."), "success")
    return _staff_back(event, group, "prompts")


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
        "boards/plenary.html", event=event, views=services.plenary(event),
        defaults=defaults or PromptsForm(formdata=None, prefix="defaults").fill(
            services.edition_prompts(event))), status


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
    return _download(services.results_markdown(event, current_user),
                     "text/markdown; charset=utf-8", f"ergebnisse-{event.slug}.md")


@bp.route("/manage/events/<slug>/breakouts/results.csv")
@facilitator_of_event
def export_csv(event):
    return _download(services.results_csv(event, current_user), "text/csv; charset=utf-8",
                     f"ergebnisse-{event.slug}.csv")
