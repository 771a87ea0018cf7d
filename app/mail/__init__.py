"""Outgoing mail: queued in the outbox by use cases, sent by `flask worker`."""
from flask import Blueprint

bp = Blueprint("mail", __name__)

