"""The landing page, the dashboard, and the agenda's time zone setting."""

import re

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.dashboard import bp
from app.dashboard.current import copy_version, current_overview
from app.dashboard.forms import TimeZoneForm
from app.extensions import db
from app.timezones import all_time_zones, user_time_zone

PROVIDERS = {
    "apple": "Apple",
    "cronofy": "Cronofy",
    "exchange": "Exchange",
    "google": "Google",
    "live_connect": "Outlook.com",
    "office365": "Microsoft 365",
}


@bp.get("/")
def landing() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    return render_template("landing.html")


@bp.get("/dashboard")
@login_required
def index() -> str:
    """The calendars and the next seven days, from the local copy: no call to Cronofy."""
    overview, version = current_overview(current_user)
    return render_template("dashboard/index.html", overview=overview, copy_version=version)


@bp.get("/dashboard/copy-version")
@login_required
def copy_version_json() -> dict[str, object]:
    """What the open dashboard polls while a first sync is awaited, to reload when it lands."""
    version, syncing = copy_version(current_user)
    return {"version": version, "syncing": syncing}


@bp.get("/settings")
@login_required
def settings() -> str:
    """The agenda's time zone; a page of its own, so the dashboard stays light."""
    form = TimeZoneForm(time_zone=current_user.time_zone or "")
    return render_template(
        "dashboard/settings.html",
        form=form,
        time_zones=all_time_zones(),
        current=user_time_zone(current_user),
    )


@bp.post("/settings/time-zone")
@login_required
def set_time_zone() -> Response | tuple[str, int]:
    form = TimeZoneForm()
    if form.validate_on_submit():
        current_user.time_zone = form.time_zone.data or None
        db.session.commit()
        flash("Time zone saved.", "success")
        return redirect(url_for("dashboard.index"))
    return render_template(
        "dashboard/settings.html",
        form=form,
        time_zones=all_time_zones(),
        current=user_time_zone(current_user),
    ), 422


@bp.app_template_filter("breakable")
def breakable(text: str) -> Markup:
    """An address that may wrap after its @ and its dots, not in the middle of a word."""
    return Markup("<wbr>").join(re.split(r"(?<=[@.])", text))  # each part escaped


@bp.app_template_filter("provider")
def provider_label(name: str | None) -> str:
    """A calendar provider's name as people know it; Cronofy may add new ones."""
    return PROVIDERS.get(name or "", (name or "Calendar").replace("_", " ").title())
