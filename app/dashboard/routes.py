"""The landing page and the dashboard."""

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from app.dashboard import bp
from app.dashboard.calendars import connection_view


@bp.get("/")
def landing():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return render_template("landing.html")


@bp.get("/dashboard")
@login_required
def index():
    connections = [connection_view(c) for c in current_user.connections]
    return render_template("dashboard/index.html", connections=connections)


PROVIDERS = {
    "apple": "Apple",
    "cronofy": "Cronofy",
    "exchange": "Exchange",
    "google": "Google",
    "live_connect": "Outlook.com",
    "office365": "Microsoft 365",
}


@bp.app_template_filter("provider")
def provider_label(name: str | None) -> str:
    """A calendar provider's name as people know it; Cronofy may add new ones."""
    return PROVIDERS.get(name or "", (name or "Calendar").replace("_", " ").title())
