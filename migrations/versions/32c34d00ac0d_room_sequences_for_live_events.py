"""Live events: per-room gap-free sequence numbers (room_sequences; events get room, seq, staff_payload)

The old events were numbered by a global id, which clients can no longer resume from; they are
deleted (pages open during the upgrade reload once).

Revision ID: 32c34d00ac0d
Revises: ee02afff89d3
Create Date: 2026-11-29 12:16:00.004627

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '32c34d00ac0d'
down_revision = 'ee02afff89d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('room_sequences',
    sa.Column('room', sa.String(length=64), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('room', name=op.f('pk_room_sequences'))
    )
    op.execute("DELETE FROM events")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room', sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('staff_payload', sa.JSON(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_events_channel'))
        batch_op.create_index(batch_op.f('ix_events_created_at'), ['created_at'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_events_room_seq'), ['room', 'seq'])
        batch_op.drop_column('channel')


def downgrade():
    op.execute("DELETE FROM events")
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.VARCHAR(length=64), nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_events_room_seq'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_events_created_at'))
        batch_op.create_index(batch_op.f('ix_events_channel'), ['channel'], unique=False)
        batch_op.drop_column('staff_payload')
        batch_op.drop_column('seq')
        batch_op.drop_column('room')

    op.drop_table('room_sequences')
