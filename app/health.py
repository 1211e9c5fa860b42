"""/healthz: tells a load balancer whether this process can serve (its database answers)."""

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """200 when `SELECT 1` succeeds, else 503; no login, no session, no rate limit."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        # The exception's text can hold the database URL; its class name is enough here.
        current_app.logger.warning("Health check: database unavailable (%s)", type(exc).__name__)
        return {"status": "unavailable"}, 503
    return {"status": "ok"}, 200
