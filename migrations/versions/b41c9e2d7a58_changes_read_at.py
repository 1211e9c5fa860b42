"""when the copy's events were last read

Revision ID: b41c9e2d7a58
Revises: f7d8340f0267
Create Date: 2026-12-01 13:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b41c9e2d7a58'
down_revision = 'f7d8340f0267'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cronofy_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes_read_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('cronofy_connections', schema=None) as batch_op:
        batch_op.drop_column('changes_read_at')
