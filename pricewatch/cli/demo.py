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
    """Run a simulated crisis through the real pipeline on the configured database (about a minute).

    Builds a seeded market (Chinese and US listings; stable sellers, promotions, pack changes, sold-out placeholders,
    a market-wide rise, and gougers: sudden, ramping, temporary, new sellers, shipping hikes); ingests the
    platforms' history feeds; crawls a demo marketplace on 127.0.0.1 (two storefront styles and a cooperating feed)
    on six simulated days; declares the emergencies; detects; sends signed webhooks to a demo platform that answers
    through the HTTP API; flags sellers across platforms; re-checks delisted listings; prints the compliance report
    and writes the daily digest, comparing the alerts with the scenario's ground truth. The database stays for
    `pricewatch history`, `pricewatch alerts list` and `pricewatch serve`.
    """
    from pricewatch.config import load_settings
    from pricewatch.demo import run_demo
    from pricewatch.store import open_database

    db = open_database(load_settings())
    result = run_demo(db, folder.resolve(), listings=listings, days=days, say=lambda m: click.echo(m, err=True))
    click.echo(result.summary)
