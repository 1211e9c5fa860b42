"""Row ids in URLs that no database column can hold are "not found", not a database error."""

from flask import Flask, abort, request

# Primary keys are Integer columns: 32-bit signed on PostgreSQL (SQLite's hold 64 bits).
LARGEST_ID = 2**31 - 1


def init_ids(app: Flask) -> None:
    """Answer 404 for an <int:...> URL part beyond LARGEST_ID before a view queries with it."""

    @app.before_request
    def refuse_ids_out_of_range() -> None:
        for value in (request.view_args or {}).values():
            # Werkzeug's int converter accepts any length of digits; the database driver
            # would raise on the query (a 500) instead of finding nothing.
            if isinstance(value, int) and value > LARGEST_ID:
                abort(404)
