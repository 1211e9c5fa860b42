"""the end and description of the events this app created, so they can be edited

Revision ID: c2f8e1a7d3b9
Revises: a9c4e7d2b1f0
Create Date: 2026-12-01 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2f8e1a7d3b9'
down_revision = 'a9c4e7d2b1f0'
branch_labels = None
depends_on = None


def upgrade():
    # Both empty for events created before: the edit form then reads them from the copy.
    with op.batch_alter_table('managed_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('managed_events', schema=None) as batch_op:
        batch_op.drop_column('description')
        batch_op.drop_column('ends_at')
