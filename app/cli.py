"""`flask tokens ...`: key management for what is stored encrypted (tokens, the local copy,
the titles of the events created here)."""

import click
from cryptography.fernet import Fernet
from flask.cli import AppGroup
from sqlalchemy import bindparam, text

from app import crypto
from app.extensions import db

BATCH = 500


tokens_cli = AppGroup("tokens", help="Manage the encryption of stored Cronofy tokens.")


@tokens_cli.command("generate-key")
def generate_key() -> None:
    """Print a new key to put first in TOKEN_ENCRYPTION_KEYS."""
    click.echo(Fernet.generate_key().decode())


@tokens_cli.command("reencrypt")
def reencrypt() -> None:
    """Re-encrypt every stored token, the local copy and the titles of the events created
    here under the first (newest) key.

    Each row is rewritten only if it still holds what was read (compare-and-swap), so a
    refresh that stores new tokens meanwhile is never overwritten; those are already
    encrypted under the newest key.
    """
    read = text(
        "SELECT id, access_token, refresh_token FROM cronofy_connections "
        "WHERE id > :after ORDER BY id LIMIT :limit"
    )
    write = text(
        "UPDATE cronofy_connections SET access_token = :new_access, refresh_token = :new_refresh "
        "WHERE id = :id AND access_token = :old_access AND refresh_token = :old_refresh"
    ).bindparams(bindparam("id"))
    done = skipped = unreadable = 0
    after = 0
    while rows := db.session.execute(read, {"after": after, "limit": BATCH}).all():
        for row in rows:
            try:
                new_access, new_refresh = crypto.rotate(row[1]), crypto.rotate(row[2])
            except crypto.InvalidToken:
                unreadable += 1
                continue
            # The session's own connection answers with a CursorResult: it has the rowcount.
            result = db.session.connection().execute(
                write,
                {
                    "id": row[0],
                    "new_access": new_access,
                    "new_refresh": new_refresh,
                    "old_access": row[1],
                    "old_refresh": row[2],
                },
            )
            if result.rowcount:
                done += 1
            else:
                skipped += 1
        db.session.commit()
        after = rows[-1][0]
    copies, copies_unreadable = _reencrypt_column("snapshots", "data")
    titles, titles_unreadable = _reencrypt_column("managed_events", "summary")
    unreadable += copies_unreadable + titles_unreadable
    click.echo(f"Re-encrypted {done} connection(s) under the newest key.")
    click.echo(f"Re-encrypted {copies} part(s) of the calendars' local copy.")
    click.echo(f"Re-encrypted the titles of {titles} event(s) created here.")
    if skipped:
        click.echo(f"{skipped} changed meanwhile and already use the newest key.")
    if unreadable:
        click.echo(
            f"{unreadable} could not be decrypted with any configured key and were left "
            "as they are. Do not remove an old key until this number is 0.",
            err=True,
        )
        raise SystemExit(1)


def _reencrypt_column(table: str, column: str) -> tuple[int, int]:
    """Re-encrypt one encrypted column the same way: (rewritten, unreadable).

    A value rewritten meanwhile (a sync, say) is skipped: it was written under the newest key.
    The names are this module's own constants, never input.
    """
    read = text(
        f"SELECT id, {column} FROM {table} WHERE id > :after AND {column} IS NOT NULL "  # noqa: S608
        "ORDER BY id LIMIT :limit"
    )
    write = text(f"UPDATE {table} SET {column} = :new WHERE id = :id AND {column} = :old")  # noqa: S608
    done = unreadable = after = 0
    while rows := db.session.execute(read, {"after": after, "limit": BATCH}).all():
        for row in rows:
            try:
                new = crypto.rotate(row[1])
            except crypto.InvalidToken:
                unreadable += 1
                continue
            result = db.session.connection().execute(
                write, {"id": row[0], "new": new, "old": row[1]}
            )
            done += result.rowcount
        db.session.commit()
        after = rows[-1][0]
    return done, unreadable
