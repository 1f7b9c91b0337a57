"""``pricewatch evaluate``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click


@click.command()
@click.option("--listings", "n_listings", type=int, default=1500, show_default=True, help="Listings in the panel.")
@click.option("--days", type=int, default=80, show_default=True, help="Days (the emergency is declared half-way).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--keep", type=click.Path(path_type=Path, file_okay=False),
              help="Keep the panel database, feed and alert export in this folder.")
def evaluate(n_listings: int, days: int, seed: int, keep: Path | None) -> None:
    """Score detection on a labelled scenario panel, with two reference detectors.

    Builds a seeded scenario (Chinese and US variants, every behaviour: gouging sudden/ramp/temporary, new sellers,
    shipping hikes; promotions, pack changes, sold-out placeholders, market-wide increases, glitches, typos, gaps),
    runs the real pipeline into a fresh SQLite database (ingest → emergency → detect → export), and prints
    precision, recall, F1, per-behaviour rates, false alarms and the median detection delay.
    """
    from pricewatch.config import load_settings
    from pricewatch.evaluate import evaluate_panel, render
    from pricewatch.store import open_database

    folder = keep or Path(tempfile.mkdtemp(prefix="pricewatch-eval-"))
    folder.mkdir(parents=True, exist_ok=True)
    dbfile = folder / "evaluate.db"
    for stale in folder.glob("evaluate.db*"):
        stale.unlink()
    db = open_database(load_settings(), url=f"sqlite:///{dbfile}")
    ev = evaluate_panel(db, n_listings=n_listings, days=days, seed=seed, workdir=folder,
                        progress=lambda msg: click.echo(msg, err=True))
    click.echo(render(ev))
    click.echo(f"panel database and alerts: {folder}")
