"""how many changes a connection's channel has told of

Revision ID: d3a6f1c08e4b
Revises: b41c9e2d7a58
Create Date: 2026-12-01 13:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a6f1c08e4b'
down_revision = 'b41c9e2d7a58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cronofy_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes_told', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('cronofy_connections', schema=None) as batch_op:
        batch_op.drop_column('changes_told')
