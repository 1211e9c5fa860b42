"""the titles of the events this app created are encrypted, like the rest of the copy

Revision ID: a9c4e7d2b1f0
Revises: d3a6f1c08e4b
Create Date: 2026-12-01 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app import crypto


# revision identifiers, used by Alembic.
revision = 'a9c4e7d2b1f0'
down_revision = 'd3a6f1c08e4b'
branch_labels = None
depends_on = None

TITLES = sa.table('managed_events', sa.column('id', sa.Integer), sa.column('summary', sa.Text))


def upgrade():
    # Ciphertext is longer than the 1024 characters a title may have: the column becomes Text.
    with op.batch_alter_table('managed_events', schema=None) as batch_op:
        batch_op.alter_column('summary', existing_type=sa.String(length=1024), type_=sa.Text())
    # The app's own keys (flask db upgrade runs inside the app), as for the tokens.
    _rewrite(crypto.encrypt)


def downgrade():
    _rewrite(crypto.decrypt)
    with op.batch_alter_table('managed_events', schema=None) as batch_op:
        batch_op.alter_column('summary', existing_type=sa.Text(), type_=sa.String(length=1024))


def _rewrite(change):
    connection = op.get_bind()
    for row in connection.execute(sa.select(TITLES.c.id, TITLES.c.summary)).all():
        connection.execute(
            TITLES.update().where(TITLES.c.id == row.id).values(summary=change(row.summary))
        )
