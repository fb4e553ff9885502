"""assessments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 00:40:04.962199
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('assessed_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('trigger', sa.String(length=200), nullable=False),
    sa.Column('model_version', sa.String(length=50), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('statement_period_end', sa.Date(), nullable=True),
    sa.Column('financial_pd', sa.Double(), nullable=True),
    sa.Column('pd', sa.Double(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('limited_information', sa.Boolean(), nullable=False),
    sa.Column('stale_statement', sa.Boolean(), nullable=False),
    sa.Column('recommended_limit', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('terms', sa.String(length=32), nullable=False),
    sa.Column('terms_days', sa.Integer(), nullable=False),
    sa.Column('drivers', sa.JSON(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('outputs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_assessments_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['statement_id'], ['financial_statements.id'],
                            name=op.f('fk_assessments_statement_id_financial_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_assessed_at'), ['assessed_at'], unique=False)
        batch_op.create_index('ix_assessments_buyer_id_id', ['buyer_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_buyer_id_id')
        batch_op.drop_index(batch_op.f('ix_assessments_assessed_at'))

    op.drop_table('assessments')
