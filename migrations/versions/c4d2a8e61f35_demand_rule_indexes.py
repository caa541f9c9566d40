"""Indexes for the demand summary at a million answers: who does not count now (users suspended, users
created within the new-account wait) and the price answers covering their one grouped read.

Revision ID: c4d2a8e61f35
Revises: b3e91f0c2d47
Create Date: 2026-12-07 15:00:00

"""
from alembic import op

revision = 'c4d2a8e61f35'
down_revision = 'b3e91f0c2d47'
branch_labels = None
depends_on = None

ANSWERS = ['concept_id', 'too_cheap', 'cheap', 'expensive', 'too_expensive', 'intent_cheap', 'intent_expensive',
           'user_id']


def upgrade():
    op.create_index('ix_users_suspended_until', 'users', ['suspended_until'], unique=False)
    op.create_index('ix_users_created_at', 'users', ['created_at'], unique=False)
    op.create_index('ix_price_responses_answers', 'price_responses', ANSWERS, unique=False)


def downgrade():
    op.drop_index('ix_price_responses_answers', table_name='price_responses')
    op.drop_index('ix_users_created_at', table_name='users')
    op.drop_index('ix_users_suspended_until', table_name='users')
