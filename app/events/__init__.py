"""Creating events in a connected calendar, and deleting the ones this app created."""

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")
