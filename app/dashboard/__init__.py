"""The landing page and the signed-in user's dashboard."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
