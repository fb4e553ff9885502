"""digests: the daily alert digest log; users get an e-mail address and a digest switch

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('daily_digest', sa.Boolean(), server_default=sa.true(), nullable=False))

    op.create_table('digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('alerts', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('claimed_until', tradecredit.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('sending', 'sent', 'skipped', 'failed')", name=op.f('ck_digests_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digests')),
    sa.UniqueConstraint('day', 'recipient', name=op.f('uq_digests_day'))
    )
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.create_index('ix_digests_recipient_day', ['recipient', 'day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.drop_index('ix_digests_recipient_day')

    op.drop_table('digests')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('daily_digest')
        batch_op.drop_column('email')
