"""``pricewatch detect``."""

import click

from pricewatch.config import load_settings
from pricewatch.detect import run_detection
from pricewatch.store import open_database


@click.command()
@click.option("--no-monitor", is_flag=True, help="Skip the early-warning level-shift monitor for listings that no "
              "emergency covers.")
def detect(no_monitor: bool) -> None:
    """Run all detectors over stored observations; open, update or close alerts. Idempotent.

    Listings covered by an emergency (by region and category) are judged by its rule preset against their own
    pre-emergency baseline, or the market's for sellers without history, net of market-wide movement. Other
    listings are watched by a statistical level-shift monitor (STL, robust). One alert per listing and violation
    episode; re-running updates alerts instead of duplicating them.
    """
    db = open_database(load_settings())
    stats = run_detection(db, monitor_uncovered=not no_monitor)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in stats.seconds.items())
    click.echo(f"{stats.summary()} [{timing}]")
