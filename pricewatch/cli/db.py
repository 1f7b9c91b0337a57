"""``pricewatch db``: schema upgrades; monthly partitions on PostgreSQL."""

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


@db.command("partitions")
@click.option("--ahead", type=click.IntRange(0, 120), default=3, show_default=True,
              help="Months after this one (UTC) that get their partition now.")
@click.option("--since", metavar="YYYY-MM", default=None,
              help="Also create every month from this one on (before loading history: its rows then go straight "
                   "to their months instead of through the DEFAULT partition).")
def db_partitions(ahead: int, since: str | None) -> None:
    """PostgreSQL: create the monthly partitions of price_observation ahead of time, give months waiting in the
    DEFAULT partition their own, and list the partitions with PostgreSQL's row estimates.

    The service runs this daily (job `partitions`); SQLite has one plain table and nothing to do.
    """
    from datetime import date

    from rich.console import Console
    from rich.table import Table

    from pricewatch.store.partitions import list_partitions, maintain

    first = None
    if since is not None:
        try:
            year, month = (int(part) for part in since.split("-"))
            first = date(year, month, 1)
        except ValueError:
            raise click.BadParameter(f"{since!r} is not a month written YYYY-MM", param_hint="--since") from None
        if first.year < 1990:
            raise click.BadParameter(f"{since}: months before 1990 would be hundreds of partitions",
                                     param_hint="--since")
    settings = load_settings()
    engine = make_engine(settings.database_url)
    if engine.dialect.name != "postgresql":
        click.echo("SQLite: price_observation is one plain table; nothing to partition.")
        return
    upgrade(engine)
    created = maintain(engine, ahead=ahead, since=first)
    click.echo(f"created: {', '.join(created)}" if created else "every partition was already there")
    with engine.connect() as conn:
        parts = list_partitions(conn)
    table = Table("partition", "holds (UTC)", "rows (estimate)")
    for part in parts:
        span = f"{part.month:%Y-%m}" if part.month else "any other month (DEFAULT)"
        table.add_row(part.name, span, f"{part.rows:,}")
    Console().print(table)
