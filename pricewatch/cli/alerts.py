"""``pricewatch alerts export|list``."""

from __future__ import annotations

from pathlib import Path

import click

from pricewatch.alerts.export import alerts_frame, export_alerts
from pricewatch.cli.options import ALERT_STATUSES
from pricewatch.config import load_settings
from pricewatch.store import open_database


@click.group()
def alerts() -> None:
    """Alerts: one per listing and violation episode."""


@alerts.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--status", multiple=True, type=click.Choice(ALERT_STATUSES),
              help="Only these statuses (repeatable), e.g. open.")
def alerts_export(fmt: str, output: Path, status: tuple[str, ...]) -> None:
    """Write alerts, most severe first, with the columns:

    alert_id, platform, listing_id, seller_id, category, rule, severity, status, first_violation_at, detected_at,
    baseline_unit_price, observed_unit_price, unit, increase_pct, currency, explanation (times ISO 8601 UTC).
    """
    db = open_database(load_settings())
    n = export_alerts(db, output, fmt, list(status) or None)
    click.echo(f"wrote {n:,} alerts to {output}")


@alerts.command("list")
@click.option("--status", multiple=True, type=click.Choice(ALERT_STATUSES), help="Only these statuses (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def alerts_list(status: tuple[str, ...], limit: int) -> None:
    """Show the most severe alerts with their explanations."""
    db = open_database(load_settings())
    frame = alerts_frame(db, status=list(status) or None)
    if frame.empty:
        click.echo("no alerts")
        return
    for a in frame.head(limit).itertuples(index=False):
        click.echo(f"#{a.alert_id} [{a.severity}] {a.platform}/{a.listing_id} {a.rule} {a.status}: "
                   f"{a.increase_pct:+.0f}%\n    {a.explanation}")
    if len(frame) > limit:
        click.echo(f"… {len(frame) - limit:,} more (pricewatch alerts export)")


