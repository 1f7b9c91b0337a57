"""``pricewatch history``: price history as a table, CSV or Parquet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pricewatch import history as history_api
from pricewatch.cli.options import WHEN, category_choice, check_platforms, check_since_until
from pricewatch.config import load_settings
from pricewatch.store import open_database


@click.command()
@click.option("--platform", "platforms", multiple=True, help="Platform name (repeatable).")
@click.option("--listing", "listings", multiple=True, help="The platform's listing id (repeatable).")
@click.option("--seller", "sellers", multiple=True, help="The platform's seller id (repeatable).")
@click.option("--category", "categories", multiple=True, type=category_choice(),
              help="Taxonomy id, e.g. mask.surgical (repeatable).")
@click.option("--since", type=WHEN, help="From this day (in the display zone) or instant.")
@click.option("--until", type=WHEN, help="Up to and including this day, or up to this instant.")
@click.option("--daily", is_flag=True, help="One row per day and group: median, min, max and count of unit prices.")
@click.option("--by", type=click.Choice(sorted(history_api.GROUPS)), default="listing", show_default=True,
              help="Grouping for --daily.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "parquet"]), default="table", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to this file (required for parquet).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Rows shown in table format (0 = all).")
def history(platforms, listings, sellers, categories, since, until, daily, by, fmt, output, limit) -> None:  # noqa: ANN001
    """What did a listing, seller or category cost, per observation or per day.

    Times are shown in the configured zone ([display] timezone); CSV and Parquet keep UTC instants (ISO 8601).
    Unit prices are per piece, ml or g in the listing's currency.

    \b
    Examples:
      pricewatch history --platform jd --listing 100012043978 --since 2020-01-01
      pricewatch history --category mask.surgical --daily --by platform --format csv -o masks.csv
    """
    check_since_until(since, until)
    settings = load_settings()
    db = open_database(settings)
    check_platforms(db, platforms)
    frame = history_api.query(
        db, platforms=platforms or None, listings=listings or None, sellers=sellers or None,
        categories=categories or None, start=since, end=until, freq="D" if daily else None, by=by,
    )
    if fmt == "parquet":
        if output is None:
            raise click.UsageError("--format parquet needs --output FILE")
        frame.to_parquet(output, index=False)
        click.echo(f"wrote {len(frame):,} rows to {output}")
        return
    if fmt == "csv":
        out = frame.copy()
        if "observed_at" in out:
            out["observed_at"] = out["observed_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if output is None:
            click.echo(out.to_csv(index=False), nl=False)
        else:
            out.to_csv(output, index=False)
            click.echo(f"wrote {len(frame):,} rows to {output}")
        return
    _print_table(frame, settings.timezone, limit)


def _print_table(frame, tz: str, limit: int) -> None:  # noqa: ANN001
    from rich.console import Console
    from rich.table import Table

    # piped output is not 80 columns wide by nature: give tables room instead of wrapping every cell
    console = Console(width=None if sys.stdout.isatty() else 200)
    if frame.empty:
        console.print("no observations match")
        return
    shown = frame if not limit else frame.tail(limit)
    table = Table(show_lines=False, header_style="bold")
    columns = [c for c in shown.columns if c not in ("title", "source", "snapshot_sha256")]
    for name in columns:
        label = f"observed_at ({tz})" if name == "observed_at" else name
        table.add_column(label, justify="right" if shown[name].dtype.kind in "fi" else "left")
    display = shown[columns].copy()
    if "observed_at" in display:
        display["observed_at"] = display["observed_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
    for name in ("price", "shipping", "median", "min", "max"):
        if name in display:
            display[name] = display[name].map(lambda v: "" if v != v else f"{v:,.2f}")
    if "unit_price" in display:
        display["unit_price"] = display["unit_price"].map(lambda v: "" if v != v else f"{v:,.4f}")
    for row in display.astype(object).where(display.notna(), "").itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)
    if limit and len(frame) > limit:
        console.print(f"(last {limit} of {len(frame):,} rows; --limit 0 for all, or --format csv)")
