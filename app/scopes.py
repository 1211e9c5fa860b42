"""Cronofy's scopes: which exist, and what the simplified ones stand for."""

READ_SCOPES = frozenset({"read_account", "list_calendars", "read_events", "read_free_busy"})
WRITE_SCOPES = frozenset(
    {"create_event", "delete_event", "create_calendar", "change_participation_status"}
)
# Cronofy documents these shorthands; this app reads them as the plain scopes they cover.
SIMPLIFIED = {
    "read_only": READ_SCOPES,
    "write_only": WRITE_SCOPES,
    "read_write": READ_SCOPES | WRITE_SCOPES,
    "free_busy_write": frozenset(),
}
KNOWN_SCOPES = READ_SCOPES | WRITE_SCOPES | frozenset(SIMPLIFIED)


def expand(scope: str) -> frozenset[str]:
    """The plain scopes a granted scope string allows."""
    granted: set[str] = set()
    for name in scope.split():
        granted |= SIMPLIFIED.get(name, {name})
    return frozenset(granted)
