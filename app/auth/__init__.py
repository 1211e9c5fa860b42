"""The app's own accounts: register, log in, log out."""

from flask import Blueprint

from app.extensions import db, login_manager
from app.models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login keeps the user's id in the session; turn it back into a User."""
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None
