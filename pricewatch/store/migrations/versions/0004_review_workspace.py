"""review workspace: notes, sessions' last visits, re-check requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:40:00

The web UI's tables (ui_session, alert_note, recheck_request) and an index on alert.detected_at for the review
queue (ix_alert_detected_at, ix_alert_review), and webhook_delivery.alert_id (backfilled from the
payloads) for the alert page's timeline. Only CREATE TABLE/INDEX: quick on both SQLite and PostgreSQL.
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

    # webhook_delivery.alert_id: an alert's timeline finds its deliveries by index, not by reading every payload
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_delivery_alert_id'), ['alert_id'], unique=False)
    _backfill_delivery_alert_ids()


def _backfill_delivery_alert_ids() -> None:
    """Existing outbox rows: the violation id from their payload (violation.id, or origin.violation_id)."""
    conn = op.get_bind()
    table = sa.table('webhook_delivery', sa.column('id', sa.Integer()), sa.column('payload', sa.JSON()),
                     sa.column('alert_id', sa.Integer()))
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c.payload).where(table.c.id > last)
                            .order_by(table.c.id).limit(5000)).all()
        if not rows:
            break
        last = rows[-1][0]
        updates = []
        for row_id, payload in rows:
            payload = payload or {}
            found = (payload.get('violation') or {}).get('id') or (payload.get('origin') or {}).get('violation_id')
            if isinstance(found, int):
                updates.append({'row_id': row_id, 'alert_id': found})
        if updates:
            conn.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                         .values(alert_id=sa.bindparam('alert_id')), updates)


def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_alert_id'))
        batch_op.drop_column('alert_id')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_review')
        batch_op.drop_index('ix_alert_detected_at')
    for table in ('recheck_request', 'alert_note', 'ui_session'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{"key_id" if table == "ui_session" else "alert_id"}'))
        op.drop_table(table)
