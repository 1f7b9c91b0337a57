"""``pricewatch db``: schema upgrades."""

import click

from pricewatch.config import load_settings
from pricewatch.store.engine import current_revision, head_revision, make_engine, upgrade


@click.group()
def db() -> None:
    """Database schema (Alembic migrations). Schemas are also upgraded automatically on first use."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Apply migrations to the configured database."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    before = current_revision(engine)
    upgrade(engine, revision)
    click.echo(f"database {engine.url.render_as_string(hide_password=True)}: {before or 'empty'} → {current_revision(engine)}")


@db.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one this version knows."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    click.echo(f"current: {current_revision(engine) or 'none'}; head: {head_revision()}")
