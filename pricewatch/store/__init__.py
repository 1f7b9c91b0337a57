"""Storage: models, engine, migrations. ``open_database()`` is the one way in."""

from pricewatch.store.engine import Database, open_database

__all__ = ["Database", "open_database"]
