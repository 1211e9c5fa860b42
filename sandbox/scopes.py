"""Cronofy's scope names, what they mean in plain words, and which endpoints each one opens."""

# Shown on the consent page, in the order the user reads them.
DESCRIPTIONS: dict[str, str] = {
    "read_account": "See your name, email address and connected calendar accounts",
    "list_calendars": "See the list of your calendars",
    "read_events": "Read the events in your calendars",
    "create_event": "Add and change events in your calendars",
    "delete_event": "Delete events it created in your calendars",
    "read_free_busy": "See when you are free or busy",
    "create_calendar": "Create new calendars",
    "change_participation_status": "Accept or decline invitations for you",
    "read_write": "Read and change your calendars and events",
    "read_only": "Read your calendars and events",
    "write_only": "Add, change and delete events in your calendars",
    "free_busy_write": "Add busy time to your calendars",
}
KNOWN = frozenset(DESCRIPTIONS)

_READ = frozenset({"read_account", "list_calendars", "read_events", "read_free_busy"})
_WRITE = frozenset(
    {"create_event", "delete_event", "create_calendar", "change_participation_status"}
)

# The simplified scopes are shorthands. Cronofy does not publish an exact expansion
# (unconfirmed); this is the narrowest reading of their descriptions. free_busy_write only
# writes free/busy blocks, an endpoint the sandbox does not serve, so it opens nothing here.
# Whoever may read the events may read when they make the person busy: read_events implies
# read_free_busy.
_IMPLIES: dict[str, frozenset[str]] = {
    "read_events": frozenset({"read_free_busy"}),
    "read_only": _READ,
    "write_only": _WRITE,
    "read_write": _READ | _WRITE,
}


def parse(scope: str) -> list[str]:
    """Split a space separated scope string, dropping repeats but keeping the order."""
    return list(dict.fromkeys(scope.split()))


def effective(granted: str) -> frozenset[str]:
    """Every scope a granted scope string allows, shorthands expanded."""
    names = set(parse(granted))
    for name in list(names):
        names |= _IMPLIES.get(name, frozenset())
    return frozenset(names)
