"""Stored concept summaries as JSON text, not pickle (old rows are a cache: dropped, recomputed).

Revision ID: b3e91f0c2d47
Revises: 27e2bb09c9b7, b19e7a4c2d10
Create Date: 2026-12-07 05:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b3e91f0c2d47'
down_revision = ('27e2bb09c9b7', 'b19e7a4c2d10')  # also joins main's two heads
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM concept_summaries")
    with op.batch_alter_table('concept_summaries', schema=None) as batch_op:
        batch_op.drop_column('data')
        batch_op.add_column(sa.Column('data', sa.Text(), nullable=False))


def downgrade():
    op.execute("DELETE FROM concept_summaries")
    with op.batch_alter_table('concept_summaries', schema=None) as batch_op:
        batch_op.drop_column('data')
        batch_op.add_column(sa.Column('data', sa.LargeBinary(), nullable=False))
