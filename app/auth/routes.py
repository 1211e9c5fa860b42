"""Register, log in and log out."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import LoginForm, RegisterForm
from app.auth.passwords import hash_password, verify_password
from app.auth.redirects import safe_next_path
from app.extensions import db
from app.forms import EmptyForm
from app.models import User


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        assert form.password.data is not None  # DataRequired passed
        user = User(email=form.email.data, password_hash=hash_password(form.password.data))
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            taken = Markup(
                'An account with this email already exists. <a href="{}">Log in instead</a>.'
            ).format(url_for("auth.login"))
            form.email.errors = [*form.email.errors, taken]
        else:
            _start_session(user, remember=False)
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    next_path = safe_next_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        assert form.password.data is not None  # DataRequired passed
        user = db.session.scalar(select(User).filter_by(email=form.email.data))
        if verify_password(user.password_hash if user else None, form.password.data) and user:
            _start_session(user, remember=form.remember.data)
            return redirect(next_path or url_for("dashboard.index"))
        # One message for both cases, so the form does not reveal which emails exist.
        form.form_errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout() -> Response:
    if not EmptyForm().validate_on_submit():
        abort(400)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("dashboard.landing"))


def _start_session(user: User, *, remember: bool) -> None:
    """Log the user in with a fresh session, so nothing set before login carries over."""
    session.clear()
    login_user(user, remember=remember)
