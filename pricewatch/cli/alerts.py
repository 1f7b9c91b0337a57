"""``pricewatch alerts export|list``."""

from __future__ import annotations

from pathlib import Path

import click

from pricewatch.alerts.export import ALL_COLUMNS, FORMATS, alerts_frame, check_columns, export_alerts
from pricewatch.cli.options import ALERT_STATUSES
from pricewatch.config import load_settings
from pricewatch.store import open_database


@click.group()
def alerts() -> None:
    """Alerts: one per listing and violation episode."""


def _columns(_ctx, param, value: str | None) -> list[str] | None:  # noqa: ANN001
    if not value:
        return None
    try:
        return check_columns([c.strip() for c in value.split(",") if c.strip()])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


@alerts.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--status", multiple=True, type=click.Choice(ALERT_STATUSES),
              help="Only these statuses (repeatable), e.g. open.")
@click.option("--columns", metavar="A,B,…", callback=_columns,
              help="Only these columns, in this order (default: all, the contract's first).")
def alerts_export(fmt: str, output: Path, status: tuple[str, ...], columns: list[str] | None) -> None:
    """Write alerts, most severe first. Columns, the public contract's first and in its order:

    alert_id, platform, listing_id, seller_id, category, rule, severity, status, first_violation_at, detected_at,
    baseline_unit_price, observed_unit_price, unit, increase_pct, currency, explanation; then title, url,
    seller_name, seller_license, quantity, quantity_source (so no join is needed).

    Times are ISO 8601 UTC with Z; unit prices 4 significant digits (at least the currency's minor unit) and
    increase_pct 0.01 %, written as exact decimals (decimal128 in Parquet, which DuckDB and Polars read directly).

    \b
    Examples:
      pricewatch alerts export -o alerts.csv
      pricewatch alerts export --format parquet -o alerts.parquet --status open
      pricewatch alerts export -o short.csv --columns alert_id,platform,listing_id,title,increase_pct
    """
    db = open_database(load_settings())
    n = export_alerts(db, output, fmt, list(status) or None, columns)
    click.echo(f"wrote {n:,} alerts to {output}")


@alerts.command("list")
@click.option("--status", multiple=True, type=click.Choice(ALERT_STATUSES), help="Only these statuses (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def alerts_list(status: tuple[str, ...], limit: int) -> None:
    """Show the most severe alerts with their explanations (times in the display zone)."""
    from analysis.explain import percent
    from pricewatch.amounts import unit_price_text
    from pricewatch.cli.tables import console, print_table, when, zone_name

    db = open_database(load_settings())
    frame = alerts_frame(db, status=list(status) or None, utc_text=False)
    out = console()
    if frame.empty:
        out.print("no alerts")
        return
    tz = db.settings.tz
    shown = frame.head(limit)
    rows = [(a.alert_id, a.severity, f"{a.platform}/{a.listing_id}", a.rule, a.status,
             when(a.first_violation_at.to_pydatetime(), tz, "%Y-%m-%d"),
             f"{unit_price_text(a.baseline_unit_price, a.currency)} → {unit_price_text(a.observed_unit_price, a.currency)}"
             f" {a.currency}/{a.unit or '?'}",
             percent(a.increase_pct) if a.increase_pct == a.increase_pct else "")
            for a in shown.itertuples(index=False)]
    print_table(["id", "severity", "listing", "rule", "status", f"since ({zone_name(tz)})", "unit price", "increase"],
                rows, right={"id", "increase"}, out=out)
    for a in shown.itertuples(index=False):
        out.print(f"#{a.alert_id}: {a.explanation}", soft_wrap=True, highlight=False)
    if len(frame) > limit:
        out.print(f"… {len(frame) - limit:,} more (--limit, or pricewatch alerts export)")


__all__ = ["ALL_COLUMNS", "alerts"]
