"""monitoring: alerts, alert events, runs, watch list, credit blocks

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 04:37:04.759130
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecredit.store.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('monitor_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('started_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('buyers', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_runs'))
    )
    with op.batch_alter_table('monitor_runs', schema=None) as batch_op:
        batch_op.create_index('ix_monitor_runs_as_of', ['as_of'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('last_seen_on', sa.Date(), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('actions', sa.JSON(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('text_zh', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("severity IN ('info', 'warning', 'critical')", name=op.f('ck_alerts_severity_known')),
    sa.CheckConstraint("status IN ('new', 'acknowledged', 'snoozed', 'resolved')", name=op.f('ck_alerts_status_known')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_alerts_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_buyer_id_code_status', ['buyer_id', 'code', 'status'], unique=False)
        batch_op.create_index('ix_alerts_status_severity', ['status', 'severity'], unique=False)

    op.create_table('watch_list',
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_watch_list_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('buyer_id', name=op.f('pk_watch_list'))
    )
    op.create_table('alert_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_events_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_events'))
    )
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.create_index('ix_alert_events_alert_id_id', ['alert_id', 'id'], unique=False)

    op.create_table('credit_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('blocked_by', sa.String(length=100), nullable=False),
    sa.Column('blocked_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('lifted_by', sa.String(length=100), nullable=True),
    sa.Column('lifted_at', tradecredit.store.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_credit_blocks_alert_id_alerts')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_credit_blocks_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_blocks'))
    )
    with op.batch_alter_table('credit_blocks', schema=None) as batch_op:
        batch_op.create_index('ix_credit_blocks_buyer_id_lifted_at', ['buyer_id', 'lifted_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('credit_blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_blocks_buyer_id_lifted_at')

    op.drop_table('credit_blocks')
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_events_alert_id_id')

    op.drop_table('alert_events')
    op.drop_table('watch_list')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_status_severity')
        batch_op.drop_index('ix_alerts_buyer_id_code_status')

    op.drop_table('alerts')
    with op.batch_alter_table('monitor_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_monitor_runs_as_of')

    op.drop_table('monitor_runs')
