"""Developer tool: regenerate the initial migration from the models.

Only while the schema is unreleased (a single revision, 0001). Once a database in the field carries 0001,
add a new revision with ``alembic revision --autogenerate`` instead. Run:
``python -m pricewatch.store.regen_initial``.
"""

import tempfile
from pathlib import Path

from alembic import command

from pricewatch.store.engine import MIGRATIONS, alembic_config

if __name__ == "__main__":
    for old in (MIGRATIONS / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    print("regenerated", *(MIGRATIONS / "versions").glob("0001_*.py"))
