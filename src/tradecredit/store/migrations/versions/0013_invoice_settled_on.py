"""invoices.settled_on: the day an invoice's settlements reached its amount, worked out for the invoices already
settled; the exposure index holds it, so the order check passes over settled invoices in the index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 13:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

OLD_COLUMNS = ['buyer_id', 'issue_date', 'amount', 'currency', 'due_date', 'disputed']
# The statement of store/settlement.py as of this migration (written out, so later changes to the models cannot
# change what this migration does): the first day whose running total of settlements reaches the amount.
BACKFILL = """
UPDATE invoices SET settled_on = (
    SELECT min(running.day) FROM (
        SELECT settlements.day AS day, sum(settlements.amount) OVER (ORDER BY settlements.day) AS total
        FROM (SELECT effective_date AS day, amount FROM allocations WHERE allocations.invoice_id = invoices.id
              UNION ALL
              SELECT adjustment_date AS day, amount FROM adjustments WHERE adjustments.invoice_id = invoices.id
             ) AS settlements
    ) AS running
    WHERE running.total >= invoices.amount)
WHERE id IN (SELECT invoice_id FROM allocations UNION SELECT invoice_id FROM adjustments)
"""


def upgrade() -> None:
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('settled_on', sa.Date(), nullable=True))
    op.execute(BACKFILL)
    op.drop_index('ix_invoices_exposure', table_name='invoices')
    op.create_index('ix_invoices_exposure', 'invoices', [*OLD_COLUMNS, 'settled_on'])


def downgrade() -> None:
    op.drop_index('ix_invoices_exposure', table_name='invoices')
    op.create_index('ix_invoices_exposure', 'invoices', OLD_COLUMNS)
    with op.batch_alter_table('invoices') as batch:
        batch.drop_column('settled_on')
