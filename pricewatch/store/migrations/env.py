"""Alembic environment: runs on a connection handed in by ``pricewatch.store.engine.upgrade`` or on the URL."""

from alembic import context
from sqlalchemy import create_engine

from pricewatch.store.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds for ALTERs
        compare_type=True,
        # UTCDateTime lives in pricewatch.store.models.base; new revisions name it as the package re-exports it,
        # like revisions 0001-0006 do (``pricewatch.store.models.UTCDateTime``)
        user_module_prefix="pricewatch.store.models.",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        run(conn)
