"""a held order released for part of its amount

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 04:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_checks', schema=None) as batch_op:
        batch_op.drop_column('released_amount')
