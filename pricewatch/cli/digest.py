"""``pricewatch digest``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click


@click.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Day in the display zone (default: today).")
@click.option("--send", is_flag=True, help="Also e-mail it to [mail] recipients.")
@click.option("--output-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where to write it (default: [digest] dir, or digests/).")
def digest(day, send: bool, output_dir: Path | None) -> None:  # noqa: ANN001
    """Write (and optionally send) the regulators' daily digest: one HTML file with charts plus a CSV of the alerts.

    Headline counts (new, continuing, closed) by category and platform; alerts ranked by severity with their price
    charts, baselines, increases, rules, explanations and evidence hashes; market movement per category; pledge
    compliance per platform; what changed since yesterday. English or Chinese by [display] language.
    """
    from pricewatch.config import load_settings
    from pricewatch.digest import build_digest, send_digest, write_digest
    from pricewatch.store import open_database

    db = open_database(load_settings())
    when: date | None = day.date() if day else None
    result = write_digest(db, build_digest(db, when), output_dir)
    click.echo(f"digest {result.day}: {result.counts['new']} new, {result.counts['continuing']} continuing, "
               f"{result.counts['closed']} closed → {result.html_path} (+ {result.csv_path.name})")
    if send:
        recipients = send_digest(db, result)
        click.echo(f"sent to {', '.join(recipients)}")
