"""credit limits, requests, authorities, order checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 01:14:03.159621
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('approval_authorities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('max_amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('worst_grade', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_authorities')),
    sa.UniqueConstraint('username', name=op.f('uq_approval_authorities_username'))
    )
    op.create_table('limit_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_base', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('decided_amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_limit_requests_amount_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_limit_requests_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limit_requests'))
    )
    with op.batch_alter_table('limit_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_limit_requests_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index('ix_limit_requests_status_id', ['status', 'id'], unique=False)

    op.create_table('order_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('order_ref', sa.String(length=64), nullable=False),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_base', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('ship_date', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('checked_by', sa.String(length=100), nullable=False),
    sa.Column('checked_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('resolved_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolution_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_order_checks_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_checks')),
    sa.UniqueConstraint('order_ref', name=op.f('uq_order_checks_order_ref'))
    )
    with op.batch_alter_table('order_checks', schema=None) as batch_op:
        batch_op.create_index('ix_order_checks_buyer_id_status', ['buyer_id', 'status'], unique=False)
        batch_op.create_index('ix_order_checks_status_id', ['status', 'id'], unique=False)

    op.create_table('credit_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', tradecredit.store.types.ExactDecimal(18, 4), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('ended_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_credit_limits_amount_not_negative')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_credit_limits_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['replaces_id'], ['credit_limits.id'],
                            name=op.f('fk_credit_limits_replaces_id_credit_limits')),
    sa.ForeignKeyConstraint(['request_id'], ['limit_requests.id'],
                            name=op.f('fk_credit_limits_request_id_limit_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_limits'))
    )
    with op.batch_alter_table('credit_limits', schema=None) as batch_op:
        batch_op.create_index('ix_credit_limits_buyer_id_valid_from', ['buyer_id', 'valid_from'], unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_ref', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_invoices_order_ref'), ['order_ref'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_order_ref'))
        batch_op.drop_column('order_ref')

    with op.batch_alter_table('credit_limits', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_limits_buyer_id_valid_from')

    op.drop_table('credit_limits')
    with op.batch_alter_table('order_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_order_checks_status_id')
        batch_op.drop_index('ix_order_checks_buyer_id_status')

    op.drop_table('order_checks')
    with op.batch_alter_table('limit_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_limit_requests_status_id')
        batch_op.drop_index(batch_op.f('ix_limit_requests_buyer_id'))

    op.drop_table('limit_requests')
    op.drop_table('approval_authorities')
