"""buyer events (append-only feed of external events per buyer)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:57:45.007679
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('buyer_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('imported_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_buyer_events_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_events')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_buyer_events_fingerprint'))
    )
    with op.batch_alter_table('buyer_events', schema=None) as batch_op:
        batch_op.create_index('ix_buyer_events_buyer_id_event_date', ['buyer_id', 'event_date'], unique=False)
        batch_op.create_index('ix_buyer_events_type_event_date', ['type', 'event_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('buyer_events', schema=None) as batch_op:
        batch_op.drop_index('ix_buyer_events_type_event_date')
        batch_op.drop_index('ix_buyer_events_buyer_id_event_date')

    op.drop_table('buyer_events')
