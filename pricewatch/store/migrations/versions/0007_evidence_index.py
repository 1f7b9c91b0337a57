"""an index for evidence lookups: the observations that carry a page snapshot, by listing

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:30:00

Detection attaches evidence to each violation: the snapshot hashes of the listing's observations during the
violation (``pricewatch.detect.load.load_evidence``). With only the (listing_id, observed_at, source) key, that
lookup read every observation of the violating listings from the table to find the few with a snapshot — feed
rows carry none — which at 60 M observations (bench/scale.py, 1 M listings) cost about a minute per bucket of
25,000 listings. This partial index holds only rows with a snapshot (with the hash included, so PostgreSQL answers
from the index alone). On PostgreSQL it is created on the partitioned table, so every monthly partition gets its
own, and partitions made later inherit it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_price_observation_evidence', 'price_observation', ['listing_id', 'observed_at'],
                    postgresql_include=['snapshot_sha256'],
                    postgresql_where=sa.text('snapshot_sha256 IS NOT NULL'),
                    sqlite_where=sa.text('snapshot_sha256 IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_price_observation_evidence', table_name='price_observation')
