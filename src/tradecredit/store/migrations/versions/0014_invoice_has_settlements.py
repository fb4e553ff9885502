"""invoices.has_settlements: whether any allocation or adjustment is recorded against an invoice, worked out for
the ledger; the exposure index holds it, so the order check takes an invoice without settlements at its amount

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_COLUMNS = ['buyer_id', 'issue_date', 'amount', 'currency', 'due_date', 'disputed', 'settled_on']
# Written out, as store/settlement.py works it out as of this migration.
BACKFILL = """
UPDATE invoices SET has_settlements = (
    EXISTS (SELECT 1 FROM allocations WHERE allocations.invoice_id = invoices.id)
    OR EXISTS (SELECT 1 FROM adjustments WHERE adjustments.invoice_id = invoices.id))
"""


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('has_settlements', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.execute(BACKFILL)
    op.drop_index('ix_invoices_exposure', table_name='invoices')
    op.create_index('ix_invoices_exposure', 'invoices', [*OLD_COLUMNS, 'has_settlements'])


def downgrade() -> None:
    op.drop_index('ix_invoices_exposure', table_name='invoices')
    op.create_index('ix_invoices_exposure', 'invoices', OLD_COLUMNS)
    with op.batch_alter_table('invoices') as batch:
        batch.drop_column('has_settlements')
