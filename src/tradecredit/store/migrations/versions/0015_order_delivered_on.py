"""order_checks.delivered_on: the day the ERP reported a released order delivered (the delivered-not-invoiced
exposure bucket)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_checks') as batch:
        batch.add_column(sa.Column('delivered_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_checks') as batch:
        batch.drop_column('delivered_on')
