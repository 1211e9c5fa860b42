"""Creating events in a connected calendar, deleting the ones this app created, and
finding a time when the chosen calendar accounts are all free."""

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")
