"""payment promises: a buyer's promise to pay an amount by a date (kept or broken is computed, never stored)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payment_promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(precision=18, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_by', sa.String(length=100), nullable=True),
    sa.Column('cancelled_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_promises_amount_positive')),
    sa.CheckConstraint('promised_date >= made_on', name=op.f('ck_payment_promises_promised_on_or_after_made')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_payment_promises_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payment_promises_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_promises'))
    )
    with op.batch_alter_table('payment_promises', schema=None) as batch_op:
        batch_op.create_index('ix_payment_promises_buyer_id_promised_date', ['buyer_id', 'promised_date'],
                              unique=False)
        batch_op.create_index('ix_payment_promises_promised_date', ['promised_date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('payment_promises', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_promises_promised_date')
        batch_op.drop_index('ix_payment_promises_buyer_id_promised_date')

    op.drop_table('payment_promises')
