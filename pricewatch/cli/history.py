"""``pricewatch history``: price history as a table, CSV or Parquet."""

from __future__ import annotations

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
@click.option("--daily", is_flag=True, help="One row per day and group: median, min, max of the offers' unit prices, "
              "n_prices and n_observations.")
@click.option("--by", type=click.Choice(sorted(history_api.GROUPS)), default="listing", show_default=True,
              help="Grouping for --daily.")
@click.option("--include-unavailable", is_flag=True,
              help="Let out-of-stock and sold-out placeholder prices into the daily figures (left out by default).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "parquet"]), default="table", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to this file (required for parquet).")
@click.option("--partition-by-day", is_flag=True, help="Parquet only: write a folder with one partition per day "
              "(day=YYYY-MM-DD/, display zone) that DuckDB and Polars read as one table.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Rows shown in table format (0 = all).")
def history(platforms, listings, sellers, categories, since, until, daily, by, include_unavailable, fmt, output,
            partition_by_day, limit) -> None:  # noqa: ANN001
    """What did a listing, seller or category cost, per observation or per day.

    Times are shown in the configured zone ([display] timezone); CSV and Parquet keep UTC instants (ISO 8601 with
    Z) and days as YYYY-MM-DD. Unit prices are per piece, ml or g in the listing's currency, to 4 significant
    digits; prices to the currency's minor unit; CSV writes them as exact decimals, Parquet as decimal128.
    Daily figures count offers only: out-of-stock and placeholder prices (9999…) are left out unless
    --include-unavailable.

    \b
    Examples:
      pricewatch history --platform jd --listing 100012043978 --since 2020-01-01
      pricewatch history --category mask.surgical --daily --by platform --format csv -o masks.csv
      pricewatch history --category mask.surgical --format parquet --partition-by-day -o masks/
    """
    check_since_until(since, until)
    settings = load_settings()
    db = open_database(settings)
    check_platforms(db, platforms)
    frame = history_api.query(
        db, platforms=platforms or None, listings=listings or None, sellers=sellers or None,
        categories=categories or None, start=since, end=until, freq="D" if daily else None, by=by,
        include_unavailable=include_unavailable,
    )
    if fmt == "parquet":
        if output is None:
            raise click.UsageError("--format parquet needs --output FILE")
        history_api.write_parquet(frame, output, by_day=partition_by_day, tz=settings.timezone)
        click.echo(f"wrote {len(frame):,} rows to {output}" + (" (one partition per day)" if partition_by_day else ""))
        return
    if partition_by_day:
        raise click.UsageError("--partition-by-day is for --format parquet")
    if fmt == "csv":
        text = to_csv(frame)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {len(frame):,} rows to {output}")
        return
    _print_table(frame, settings.timezone, limit)


def to_csv(frame) -> str:  # noqa: ANN001
    """CSV text: instants ISO 8601 UTC with Z, days YYYY-MM-DD, rounded numbers as their exact decimals."""
    from pricewatch.instants import utc_texts

    out = frame.copy()
    if "observed_at" in out:
        out["observed_at"] = utc_texts(out["observed_at"])
    return out.to_csv(index=False)


def _print_table(frame, tz: str, limit: int) -> None:  # noqa: ANN001
    from pricewatch.amounts import money_text, unit_price_text
    from pricewatch.cli.tables import console, print_table

    if frame.empty:
        console().print("no observations match")
        return
    shown = frame if not limit else frame.tail(limit)
    columns = [c for c in shown.columns if c not in ("title", "source", "snapshot_sha256")]
    display = shown[columns].copy()
    if "observed_at" in display:
        display["observed_at"] = display["observed_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
    if "offer" in display:
        display["offer"] = display["offer"].map({True: "yes", False: "no"})
    for name in ("price", "shipping"):
        if name in display:
            display[name] = [money_text(v, c) for v, c in zip(display[name], display["currency"])]
    for name in ("unit_price", "median", "min", "max"):
        if name in display:
            display[name] = [unit_price_text(v, c) for v, c in zip(display[name], display["currency"])]
    numeric = {c for c in columns if c in ("price", "shipping", "unit_price", "median", "min", "max", "n_prices",
                                           "n_observations")}
    labels = [f"observed_at ({tz})" if c == "observed_at" else f"day ({tz})" if c == "day" else c for c in columns]
    rows = display.astype(object).where(display.notna(), "").itertuples(index=False)
    print_table(labels, rows, right={f"{c}" for c in numeric})
    if limit and len(frame) > limit:
        console().print(f"(last {limit} of {len(frame):,} rows; --limit 0 for all, or --format csv)")
