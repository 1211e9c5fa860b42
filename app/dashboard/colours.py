"""Each calendar's colour: the same on every page, and distinct while colours last."""

import zlib
from collections.abc import Iterable, Mapping

COLOURS = 10  # cal-colour-0 … cal-colour-9 in static/style.css


def calendar_colours(calendar_ids: Iterable[str]) -> Mapping[str, int]:
    """A colour for each calendar (id -> colour), for it and its events.

    The colour comes from the calendar's id, so it stays the same from view to view;
    calendars whose ids land on a taken colour take the next free one, in the order given
    (the order the dashboard lists them), while free ones last.
    """
    used: set[int] = set()
    colours: dict[str, int] = {}
    for calendar_id in calendar_ids:
        colour = zlib.crc32(calendar_id.encode()) % COLOURS
        while colour in used and len(used) < COLOURS:
            colour = (colour + 1) % COLOURS
        used.add(colour)
        colours[calendar_id] = colour
    return colours
