"""public reports, reconciliation discrepancies, warnings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 21:40:00

Public reports (report_image, public_report, report_contact kept apart, report_challenge for the keyless
proof-of-work), crawled-vs-feed price discrepancies (price_discrepancy) and regulators' formal warnings
(seller_warning). Only CREATE TABLE/INDEX: quick on both SQLite and PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

import pricewatch.store.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UTC = pricewatch.store.models.UTCDateTime(timezone=True)
MONEY = sa.Numeric(18, 4, asdecimal=False)


def upgrade() -> None:
    op.create_table('report_image',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('stored_at', UTC, nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_report_image'))
    )
    op.create_table('public_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('candidate', sa.Boolean(), nullable=False),
    sa.Column('price', MONEY, nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('observed_at', UTC, nullable=True),
    sa.Column('received_at', UTC, nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('image_sha256', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('checked_at', UTC, nullable=True),
    sa.Column('crawled_price', MONEY, nullable=True),
    sa.Column('crawled_currency', sa.String(length=3), nullable=True),
    sa.Column('crawled_at', UTC, nullable=True),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_public_report_alert_id_alert')),
    sa.ForeignKeyConstraint(['image_sha256'], ['report_image.sha256'],
                            name=op.f('fk_public_report_image_sha256_report_image')),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_public_report_listing_id_listing')),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_public_report_platform_id_platform')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report')),
    sa.UniqueConstraint('receipt', name=op.f('uq_public_report_receipt'))
    )
    with op.batch_alter_table('public_report', schema=None) as batch_op:
        batch_op.create_index('ix_public_report_listing_received', ['listing_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_status'), ['status'], unique=False)
    op.create_table('report_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('stored_at', UTC, nullable=False),
    sa.Column('purge_after', UTC, nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['public_report.id'], ondelete='CASCADE',
                            name=op.f('fk_report_contact_report_id_public_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_contact')),
    sa.UniqueConstraint('report_id', name=op.f('uq_report_contact_report_id'))
    )
    with op.batch_alter_table('report_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_contact_purge_after'), ['purge_after'], unique=False)
    op.create_table('report_challenge',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('bits', sa.Integer(), nullable=False),
    sa.Column('issued_at', UTC, nullable=False),
    sa.Column('expires_at', UTC, nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_report_challenge'))
    )
    with op.batch_alter_table('report_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_challenge_expires_at'), ['expires_at'], unique=False)
    op.create_table('price_discrepancy',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('page_source', sa.String(length=128), nullable=False),
    sa.Column('page_observed_at', UTC, nullable=False),
    sa.Column('page_price', MONEY, nullable=False),
    sa.Column('page_shipping', MONEY, nullable=True),
    sa.Column('snapshot_sha256', sa.String(length=64), nullable=True),
    sa.Column('feed_source', sa.String(length=128), nullable=False),
    sa.Column('feed_observed_at', UTC, nullable=False),
    sa.Column('feed_price', MONEY, nullable=False),
    sa.Column('feed_shipping', MONEY, nullable=True),
    sa.Column('difference', sa.Float(), nullable=False),
    sa.Column('difference_pct', sa.Float(), nullable=False),
    sa.Column('detected_at', UTC, nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_price_discrepancy_listing_id_listing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_discrepancy')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_price_discrepancy_fingerprint'))
    )
    with op.batch_alter_table('price_discrepancy', schema=None) as batch_op:
        batch_op.create_index('ix_price_discrepancy_listing_page', ['listing_id', 'page_observed_at'], unique=False)
    op.create_table('seller_warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', UTC, nullable=False),
    sa.Column('correct_by', UTC, nullable=False),
    sa.Column('issued_by', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_seller_warning_alert_id_alert')),
    sa.ForeignKeyConstraint(['listing_id'], ['listing.id'], name=op.f('fk_seller_warning_listing_id_listing')),
    sa.ForeignKeyConstraint(['seller_id'], ['seller.id'], name=op.f('fk_seller_warning_seller_id_seller')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_warning'))
    )
    with op.batch_alter_table('seller_warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seller_warning_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seller_warning_seller_id'), ['seller_id'], unique=False)


def downgrade() -> None:
    op.drop_table('seller_warning')
    op.drop_table('price_discrepancy')
    op.drop_table('report_challenge')
    op.drop_table('report_contact')
    op.drop_table('public_report')
    op.drop_table('report_image')
