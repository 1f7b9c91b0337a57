"""review workspace: notes, sessions' last visits, re-check requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:40:00

The web UI's tables (ui_session, alert_note, recheck_request) and an index on alert.detected_at for the review
queue (ix_alert_detected_at, ix_alert_review). Only CREATE TABLE/INDEX: quick on both SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa
import pricewatch.store.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

UTC = pricewatch.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('ui_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('last_seen_at', UTC, nullable=False),
    sa.Column('expires_at', UTC, nullable=False),
    sa.Column('ended_at', UTC, nullable=True),
    sa.Column('previous_visit_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['key_id'], ['api_key.id'], name=op.f('fk_ui_session_key_id_api_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ui_session'))
    )
    with op.batch_alter_table('ui_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ui_session_key_id'), ['key_id'], unique=False)

    op.create_table('alert_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=128), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alert_note_alert_id_alert')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_note'))
    )
    with op.batch_alter_table('alert_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_note_alert_id'), ['alert_id'], unique=False)

    op.create_table('recheck_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('requested_at', UTC, nullable=False),
    sa.Column('done_at', UTC, nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_recheck_request_alert_id_alert')),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_recheck_request_listing_id_listing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recheck_request'))
    )
    with op.batch_alter_table('recheck_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recheck_request_alert_id'), ['alert_id'], unique=False)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_detected_at', ['detected_at'], unique=False)
        # the queue's facet counts read this index alone (status, severity, rule, emergency, listing, detected)
        batch_op.create_index('ix_alert_review', ['status', 'severity', 'rule', 'emergency_id', 'listing_id',
                                                  'detected_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_review')
        batch_op.drop_index('ix_alert_detected_at')
    for table in ('recheck_request', 'alert_note', 'ui_session'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{"key_id" if table == "ui_session" else "alert_id"}'))
        op.drop_table(table)
