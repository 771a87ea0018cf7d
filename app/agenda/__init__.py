"""The programme of an edition: staff editor; published on the event page, as ICS and PDF."""
from flask import Blueprint

bp = Blueprint("agenda", __name__)

