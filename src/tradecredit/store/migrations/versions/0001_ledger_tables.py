"""ledger tables

Revision ID: 0001
Revises:
Create Date: 2026-11-28 21:55:37.287261
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('buyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('registration_id', sa.String(length=64), nullable=True),
    sa.Column('registration_scheme', sa.String(length=32), nullable=True),
    sa.Column('lei', sa.String(length=20), nullable=True),
    sa.Column('industry', sa.String(length=8), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['buyers.id'], name=op.f('fk_buyers_parent_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyers')),
    sa.UniqueConstraint('ref', name=op.f('uq_buyers_ref'))
    )
    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buyers_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_buyers_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_buyers_registration_id'), ['registration_id'], unique=False)

    op.create_table('fx_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rate_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate_to_base', tradecredit.store.types.ExactDecimal(20, 10), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fx_rates')),
    sa.UniqueConstraint('currency', 'rate_date', name=op.f('uq_fx_rates_currency'))
    )
    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('imported_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    op.create_table('financial_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revenue', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('cost_of_sales', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('gross_profit', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('operating_expenses', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('ebit', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('depreciation', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('interest_expense', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('net_income', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('total_assets', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('fixed_assets', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('current_assets', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('inventory', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('receivables', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('cash', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('total_liabilities', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('current_liabilities', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('long_term_liabilities', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('equity', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('retained_earnings', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('share_capital', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.Column('operating_cash_flow', tradecredit.store.types.ExactDecimal(22, 4), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_financial_statements_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_financial_statements')),
    sa.UniqueConstraint('buyer_id', 'period_end', name=op.f('uq_financial_statements_buyer_id'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('delivery_date', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('disputed', sa.Boolean(), nullable=False),
    sa.Column('dispute_reason', sa.Text(), nullable=True),
    sa.Column('created_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_invoices_amount_positive')),
    sa.CheckConstraint('due_date >= issue_date', name=op.f('ck_invoices_due_after_issue')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_invoices_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('ref', name=op.f('uq_invoices_ref'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_buyer_id_due_date', ['buyer_id', 'due_date'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('invoice_ref', sa.String(length=64), nullable=True),
    sa.Column('created_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_payments_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('ref', name=op.f('uq_payments_ref'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_buyer_id'), ['buyer_id'], unique=False)

    op.create_table('adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('adjustment_date', sa.Date(), nullable=False),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_adjustments_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_adjustments_invoice_id_invoices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustments')),
    sa.UniqueConstraint('ref', name=op.f('uq_adjustments_ref'))
    )
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustments_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('created_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_allocations_amount_positive')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_allocations_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocations_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocations_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocations_payment_id'), ['payment_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocations_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocations_invoice_id'))

    op.drop_table('allocations')
    with op.batch_alter_table('adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjustments_invoice_id'))

    op.drop_table('adjustments')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_buyer_id'))

    op.drop_table('payments')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_buyer_id_due_date')

    op.drop_table('invoices')
    op.drop_table('financial_statements')
    op.drop_table('import_batches')
    op.drop_table('fx_rates')
    with op.batch_alter_table('buyers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buyers_registration_id'))
        batch_op.drop_index(batch_op.f('ix_buyers_parent_id'))
        batch_op.drop_index(batch_op.f('ix_buyers_country'))

    op.drop_table('buyers')

