"""The /v1 API on the API host: bearer tokens, scopes, and the endpoints of docs/cronofy.md.

Free/busy and availability are in sandbox/scheduling.py, channels in sandbox/channels.py;
both use the bearer checks and the paging here."""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from sandbox import events, ids, scopes
from sandbox.models import Account, Event
from sandbox.serialize import calendar_fields, calendar_json, profile_json
from sandbox.state import NotFound, Session
from sandbox.times import format_time
from sandbox.web import current_state, json_response

bp = Blueprint("api", __name__, url_prefix="/v1")

View = Callable[..., Response]
# Which scope opens which endpoint. Cronofy lists /v1/userinfo and /v1/profiles with no scope
# of their own (unconfirmed); they reveal the same identity as /v1/account, so the strict
# reading is read_account for both, and for revoking a profile (you can only find its id there).
READ_ACCOUNT, LIST_CALENDARS = "read_account", "list_calendars"
READ_EVENTS, CREATE_EVENT, DELETE_EVENT = "read_events", "create_event", "delete_event"


def unauthorized(error: str | None) -> Response:
    """Cronofy's 401: an empty body and a Bearer challenge, naming the error if there is one."""
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return json_response(401, **{"WWW-Authenticate": challenge})


def requires(scope: str | None) -> Callable[[View], View]:
    """Authenticate the bearer token (401) and check it carries `scope` (403), if one."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(**kwargs: Any) -> Response:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return unauthorized(None)
            session = current_state().session_for(token.strip())
            if session is None:
                return unauthorized("invalid_token")
            if scope is not None and scope not in scopes.effective(session.scope):
                challenge = f'Bearer error="insufficient_scope", scope="{scope}"'
                return json_response(403, **{"WWW-Authenticate": challenge})
            try:
                return view(session, **kwargs)
            except NotFound:
                return unauthorized("invalid_token")  # the account was reset under the token

        return guarded

    return decorate


def _app_url() -> str:
    return current_state().app_url or request.host_url.rstrip("/")


@bp.get("/account")
@requires(READ_ACCOUNT)
def account(session: Session) -> Response:
    """Who the token belongs to."""

    def view(acc: Account) -> dict[str, Any]:
        return {
            "account": {
                "account_id": acc.account_id,
                "email": acc.email,
                "name": acc.name,
                "scope": session.scope,
                "default_tzid": acc.default_tzid,
            },
            "sub": acc.account_id,
        }

    return json_response(200, current_state().read(session.account_id, view))


@bp.get("/userinfo")
@requires(READ_ACCOUNT)
def userinfo(session: Session) -> Response:
    """OpenID-style identity with every profile and its calendars."""
    app_url = _app_url()

    def view(acc: Account) -> dict[str, Any]:
        profiles = [
            profile_json(p, app_url)
            | {
                "profile_calendars": [
                    calendar_fields(c) for c in acc.calendars if c.profile_id == p.profile_id
                ]
            }
            for p in acc.profiles
        ]
        return {
            "sub": acc.account_id,
            "email": acc.email,
            "name": acc.name,
            "zoneinfo": acc.default_tzid,
            "cronofy.type": "account",
            "cronofy.data": {
                "authorization": {"scope": session.scope, "status": "active"},
                "profiles": profiles,
            },
        }

    return json_response(200, current_state().read(session.account_id, view))


@bp.get("/profiles")
@requires(READ_ACCOUNT)
def profiles(session: Session) -> Response:
    """The linked calendar accounts and whether each is still connected."""
    app_url = _app_url()
    body = current_state().read(
        session.account_id,
        lambda acc: {"profiles": [profile_json(p, app_url) for p in acc.profiles]},
    )
    return json_response(200, body)


@bp.post("/profiles/<profile_id>/revoke")
@requires(READ_ACCOUNT)
def revoke_profile(session: Session, profile_id: str) -> Response:
    """Unlink one profile (and its calendars) from the account; the authorization stays."""

    def edit(acc: Account) -> bool:
        if acc.profile(profile_id) is None:
            return False
        gone = {c.calendar_id for c in acc.calendars if c.profile_id == profile_id}
        acc.profiles = [p for p in acc.profiles if p.profile_id != profile_id]
        acc.calendars = [c for c in acc.calendars if c.calendar_id not in gone]
        acc.events = [e for e in acc.events if e.calendar_id not in gone]
        return True

    found = current_state().change(session.account_id, edit)
    return json_response(202) if found else json_response(404, {"error": "not_found"})


@bp.get("/calendars")
@requires(LIST_CALENDARS)
def calendars(session: Session) -> Response:
    """Every calendar of every profile, deleted ones flagged rather than hidden."""

    def view(acc: Account) -> dict[str, Any]:
        listed = []
        for calendar in acc.calendars:
            profile = acc.profile(calendar.profile_id)
            if profile:
                listed.append(calendar_json(calendar, profile))
        return {"sub": acc.account_id, "calendars": listed}

    return json_response(200, current_state().read(session.account_id, view))


def _page_body(page: dict[str, Any]) -> dict[str, Any]:
    pages: dict[str, Any] = {"current": page["current"], "total": page["total"]}
    if page["next"]:
        # Absolute, on the host the client called, as Cronofy's next_page links are.
        base = request.host_url.rstrip("/")
        pages["next_page"] = f"{base}/v1/{page['kind']}/pages/{page['next']}"
    return {"pages": pages, page["kind"]: page["items"]}


def first_page(account_id: str, kind: str, items: list[dict[str, Any]]) -> Response:
    """The first page of `items` (`kind`: "events" or "free_busy", the answer's key and the
    pages' path), `page_size` long; the later pages are kept for their next_page links."""
    state = current_state()
    size = state.settings["page_size"]
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
    page_ids = [ids.new_secret() for _ in chunks]
    pages = [
        {
            "kind": kind,
            "current": number,
            "total": len(chunks),
            "items": chunk,
            "next": page_ids[number] if number < len(chunks) else None,
        }
        for number, chunk in enumerate(chunks, start=1)
    ]
    state.save_pages(account_id, dict(zip(page_ids[1:], pages[1:], strict=True)))
    return json_response(200, _page_body(pages[0]))


def later_page(session: Session, kind: str, page_id: str) -> Response:
    """A later page of `kind`; only for the account that read the first one."""
    page = current_state().load_page(page_id, session.account_id)
    if page is None or page["kind"] != kind:
        return json_response(404, {"error": "not_found"})
    return json_response(200, _page_body(page))


# How a paged read turns its query string into a query, and selects what it lists.
Parse = Callable[[MultiDict[str, str], datetime], events.EventQuery | events.Errors]
Select = Callable[[Account, events.EventQuery], list[dict[str, Any]] | events.Errors]


def paged_read(session: Session, kind: str, parse: Parse, select: Select) -> Response:
    """Answer a query string the events way: 422 with its errors, else the first page."""
    state = current_state()
    query = parse(request.args, datetime.fromtimestamp(state.clock(), UTC))
    if not isinstance(query, events.EventQuery):
        return json_response(422, {"errors": query})
    found = state.read_events(session.account_id, lambda account: select(account, query))
    if isinstance(found, dict):
        return json_response(422, {"errors": found})
    return first_page(session.account_id, kind, found)


@bp.get("/events")
@requires(READ_EVENTS)
def read_events(session: Session) -> Response:
    """The first page of matching events; later pages are kept for their next_page links."""
    return paged_read(session, "events", events.parse_query, events.select)


@bp.get("/events/pages/<page_id>")
@requires(READ_EVENTS)
def events_page(session: Session, page_id: str) -> Response:
    """A later page of events."""
    return later_page(session, "events", page_id)


def _writable(acc: Account, calendar_id: str) -> Response | None:
    """Why this account may not write to the calendar, as a response; None when it may."""
    calendar = acc.calendar(calendar_id)
    if calendar is None:
        return json_response(404, {"error": "not_found"})
    # Cronofy documents only that such calendars are refused. 403 is the strict reading ("you may
    # not write here"); the body names the reason, since a bare 403 means a missing scope.
    if calendar.deleted:
        return json_response(403, {"error": "calendar_deleted"})
    if calendar.readonly:
        return json_response(403, {"error": "calendar_readonly"})
    profile = acc.profile(calendar.profile_id)
    if profile is None or not profile.connected:
        return json_response(423, {"error": "profile_not_connected"})
    return None


@bp.post("/calendars/<calendar_id>/events")
@requires(CREATE_EVENT)
def upsert_event(session: Session, calendar_id: str) -> Response:
    """Create the event, or update it when this calendar already has the event_id."""
    state = current_state()
    parsed = events.parse_upsert(request.get_json(silent=True))
    now = datetime.fromtimestamp(state.clock(), UTC)

    def edit(acc: Account) -> Response:
        refused = _writable(acc, calendar_id)
        if refused:
            return refused
        if not isinstance(parsed, events.EventInput):
            return json_response(422, {"errors": parsed})
        event = next(
            (
                e
                for e in acc.events
                if e.calendar_id == calendar_id and e.event_id == parsed.event_id
            ),
            None,
        )
        if event is None:
            stamp = format_time(now)
            event = Event(
                event_uid=ids.event_uid_for(ids.new_secret()),
                calendar_id=calendar_id,
                summary="",
                start="",
                end="",
                created=stamp,
                updated=stamp,
                event_id=parsed.event_id,
            )
            acc.events.append(event)
        parsed.apply(event, now)
        return json_response(202)

    return state.change(session.account_id, edit, by_client=True)


@bp.delete("/calendars/<calendar_id>/events")
@requires(DELETE_EVENT)
def delete_event(session: Session, calendar_id: str) -> Response:
    """Delete a managed event by event_id; an unknown event_id is accepted too (idempotent)."""
    state = current_state()
    body = request.get_json(silent=True)
    event_id = body.get("event_id") if isinstance(body, dict) else None
    now = datetime.fromtimestamp(state.clock(), UTC)

    def edit(acc: Account) -> Response:
        refused = _writable(acc, calendar_id)
        if refused:
            return refused
        if not isinstance(event_id, str) or not event_id:
            return json_response(422, {"errors": {"event_id": events.required_error()}})
        for event in acc.events:
            if event.calendar_id == calendar_id and event.event_id == event_id:
                event.deleted = True
                event.updated = format_time(now)
        # Whether Cronofy answers 202 for an unknown event_id is unconfirmed. Strict reading of
        # a delete: it is idempotent, the event is gone either way, so 202.
        return json_response(202)

    return state.change(session.account_id, edit, by_client=True)
