"""detect_run: what each detection run evaluated and what it could not, by reason

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 17:20:00

Only CREATE TABLE/INDEX: quick on both SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa
import pricewatch.store.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('detect_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('started_at', pricewatch.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', pricewatch.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('observations', sa.Integer(), nullable=False),
    sa.Column('listings', sa.Integer(), nullable=False),
    sa.Column('evaluated', sa.Integer(), nullable=False),
    sa.Column('monitored', sa.Integer(), nullable=False),
    sa.Column('not_evaluated', sa.Integer(), nullable=False),
    sa.Column('episodes', sa.Integer(), nullable=False),
    sa.Column('coverage', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_detect_run'))
    )
    with op.batch_alter_table('detect_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_detect_run_started_at'), ['started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('detect_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_detect_run_started_at'))
    op.drop_table('detect_run')
