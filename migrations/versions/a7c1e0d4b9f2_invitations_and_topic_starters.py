"""membership invitations (pending, invited_by), boards say who starts topics

Revision ID: a7c1e0d4b9f2
Revises: d8fe6e02bee2
Create Date: 2026-11-29 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c1e0d4b9f2'
down_revision = 'd8fe6e02bee2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_memberships_invited_by_id_users'), 'users',
                                    ['invited_by_id'], ['id'], ondelete='SET NULL')
    # Everyone who is a member today has accepted (pending defaults to false).

    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic_starters', sa.String(length=16), server_default='everyone',
                                      nullable=False))
    # "News from the team": only staff start topics there.
    op.execute("UPDATE boards SET topic_starters = 'staff' WHERE slug = 'announcements'")


def downgrade():
    with op.batch_alter_table('boards', schema=None) as batch_op:
        batch_op.drop_column('topic_starters')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_memberships_invited_by_id_users'), type_='foreignkey')
        batch_op.drop_column('invited_by_id')
        batch_op.drop_column('pending')
