"""Deciding where `?next=` may send a user after logging in."""

from urllib.parse import urlsplit


def safe_next_path(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None.

    Only `/path` forms are accepted. Refused: absolute URLs, scheme-relative `//host`,
    `/\\host` (browsers read the backslash as a slash), `https:host` (a scheme with no
    slashes, which browsers still resolve off-site), `javascript:` and control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
