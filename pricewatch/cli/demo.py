"""``pricewatch demo``."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--listings", type=int, default=600, show_default=True, help="Listings in the simulated market.")
@click.option("--days", type=int, default=80, show_default=True, help="Days simulated (emergency half-way).")
@click.option("--folder", type=click.Path(path_type=Path, file_okay=False), default=Path("demo"), show_default=True,
              help="Where the feed files and the alert export go.")
def demo(listings: int, days: int, folder: Path) -> None:
    """Run a simulated crisis through the real pipeline on the configured database.

    Builds a seeded market (Chinese and US listings; stable sellers, promotions, pack changes, sold-out placeholders,
    a market-wide rise, and gougers: sudden, ramping, temporary, new sellers, shipping hikes), writes the platforms'
    feeds, ingests them, declares the emergencies, detects and exports the alerts, then compares them with the
    scenario's ground truth. Re-running adds nothing new. The database stays for `pricewatch history`.
    """
    from pricewatch.config import load_settings
    from pricewatch.demo import run_demo
    from pricewatch.store import open_database

    db = open_database(load_settings())
    result = run_demo(db, folder.resolve(), listings=listings, days=days, say=lambda m: click.echo(m, err=True))
    click.echo(result.summary)
