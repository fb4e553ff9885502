"""country ratings, settings, grade events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:48:20.872687
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('country_grade_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('old_grade', sa.Integer(), nullable=True),
    sa.Column('new_grade', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_country_grade_events'))
    )
    with op.batch_alter_table('country_grade_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_country_grade_events_country'), ['country'], unique=False)

    op.create_table('country_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('scale', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=8), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('imported_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_country_ratings')),
    sa.UniqueConstraint('country', 'scale', 'as_of', name=op.f('uq_country_ratings_country'))
    )
    with op.batch_alter_table('country_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_country_ratings_country'), ['country'], unique=False)

    op.create_table('country_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('transfer_restrictions', sa.Text(), nullable=True),
    sa.Column('payment_delay_days', sa.Integer(), nullable=True),
    sa.Column('legal_notes', sa.Text(), nullable=True),
    sa.Column('max_credit_period_days', sa.Integer(), nullable=True),
    sa.Column('required_terms', sa.String(length=32), nullable=True),
    sa.Column('insured', sa.Boolean(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_country_settings')),
    sa.UniqueConstraint('country', name=op.f('uq_country_settings_country'))
    )



def downgrade() -> None:

    op.drop_table('country_settings')
    with op.batch_alter_table('country_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_country_ratings_country'))

    op.drop_table('country_ratings')
    with op.batch_alter_table('country_grade_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_country_grade_events_country'))

    op.drop_table('country_grade_events')

