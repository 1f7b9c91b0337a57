"""``pricewatch conflicts list``: observations that arrived twice with different values."""

from __future__ import annotations

import sys

import click
import pandas as pd

from pricewatch.cli.options import check_platforms
from pricewatch.config import load_settings
from pricewatch.ingest.conflicts import conflicts_frame
from pricewatch.store import open_database


@click.group()
def conflicts() -> None:
    """Data conflicts: one listing, instant and source seen with two prices, shippings or currencies.

    Ingestion records each conflict with both values and where each came from, keeps the lower amount paid on
    the stored observation and flags it (price_observation.conflict). See docs/ingest-conflicts.md.
    """


def _utc(value) -> str:  # noqa: ANN001
    return "" if pd.isna(value) else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _where(file, line) -> str:  # noqa: ANN001
    if pd.isna(file) and pd.isna(line):
        return "unknown"
    name = "?" if pd.isna(file) else file
    return name if pd.isna(line) else f"{name}:{int(line)}"


def _amount(price, shipping, currency) -> str:  # noqa: ANN001
    text = "?" if pd.isna(price) else f"{price:.2f}"
    if not pd.isna(shipping) and shipping:
        text += f" + {shipping:.2f} shipping"
    return f"{text} {currency}"


@conflicts.command("list")
@click.option("--platform", "platforms", multiple=True, help="Platform name (repeatable).")
@click.option("--listing", "listings", multiple=True, help="The platform's listing id (repeatable).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Newest N conflicts (0 = all).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def conflicts_list(platforms: tuple[str, ...], listings: tuple[str, ...], limit: int, fmt: str) -> None:
    """Show recorded conflicts, newest first: both values and the file:line of each.

    Times are ISO 8601 in UTC. "stored" is what the observation held when the conflict was found, "incoming"
    the row that disagreed; "lower_kept" means the observation now holds the lower amount paid of the two,
    "stored_kept" that the currencies differ and the stored values stayed.

    \b
    Examples:
      pricewatch conflicts list --platform jd --limit 20
      pricewatch conflicts list --listing 100012043978 --format csv > conflicts.csv
    """
    db = open_database(load_settings())
    check_platforms(db, platforms)
    frame = conflicts_frame(db, platforms=list(platforms) or None, listings=list(listings) or None,
                            limit=limit or None)
    if fmt == "csv":
        out = frame.copy()
        for name in ("observed_at", "detected_at"):
            out[name] = out[name].map(_utc)
        click.echo(out.to_csv(index=False), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    # piped output is not 80 columns wide by nature, and file paths are long: lines as wide as the cells need
    console = Console(width=None if sys.stdout.isatty() else 1000)
    if frame.empty:
        console.print("no conflicts recorded")
        return
    table = Table(header_style="bold")
    for name in ("id", "platform", "listing", "observed_at (UTC)", "source", "stored", "stored from",
                 "incoming", "incoming from", "resolution", "detected_at (UTC)"):
        table.add_column(name, justify="right" if name == "id" else "left",
                         overflow="fold")  # a path is folded in a narrow terminal, never cut short
    for c in frame.itertuples(index=False):
        table.add_row(
            str(c.conflict_id), c.platform, c.listing_id, _utc(c.observed_at), c.source,
            _amount(c.stored_price, c.stored_shipping, c.stored_currency), _where(c.stored_file, c.stored_line),
            _amount(c.incoming_price, c.incoming_shipping, c.incoming_currency),
            _where(c.incoming_file, c.incoming_line), c.resolution, _utc(c.detected_at),
        )
    console.print(table)
