"""review workspace: notes, sessions' last visits, re-check requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:40:00

Reserved for issue 11; filled in by the work on that issue (a no-op until then).
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import pricewatch.store.models  # noqa: F401


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
