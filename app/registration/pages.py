"""What the views of every area share for a person's own pages (/r/<token>/…): never cached,
never indexed, and the personal page itself, which registration and breakouts both render."""
from flask import make_response, render_template

from app.breakouts.forms import ranking_form
from app.breakouts.topics import topic_choice
from app.registration import personal


def private_page(response):
    """Personal pages are never cached or shared."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def render_personal_page(registration, token: str, ranking=None, status: int = 200):
    """The personal page; `ranking` is a topic form that came back with errors."""
    choice = topic_choice(registration)
    return private_page(render_template(
        "registration/personal.html", token=token, view=personal.personal_page(registration),
        consents=personal.active_consents(registration), topics=choice,
        ranking=ranking or ranking_form(choice.topics, choice.ranked))), status
