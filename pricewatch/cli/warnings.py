"""``pricewatch warnings issue|list``: formal warnings (告诫) to sellers."""

from __future__ import annotations

import click

from pricewatch.cli.options import WHEN
from pricewatch.config import load_settings
from pricewatch.store import open_database


@click.group()
def warnings() -> None:
    """Formal warnings (告诫): some rules apply only after a warning was issued and ignored.

    Presets with warning_required (analysis/presets.toml; cn-samr-2020 for sellers without a reference
    transaction) keep such alerts at severity "watch" until the violation goes on past the warning's correct-by
    time. Each warning is sent to the seller's platform as the webhook event seller.warned.
    """


@warnings.command("issue")
@click.option("--alert", "alert_id", type=click.IntRange(1, 2**31 - 1), help="Warn the seller of this alert.")
@click.option("--seller", metavar="PLATFORM/SELLER_ID", help="Warn this seller (the platform's seller id).")
@click.option("--note", help="The warning's text or file reference.")
@click.option("--correct-within-hours", type=click.FloatRange(min=0, min_open=True, max=24 * 365), default=72,
              show_default=True, help="Time the seller has to correct.")
@click.option("--issued-at", type=WHEN, help="When the warning was issued, if earlier than now (e.g. on paper).")
def issue(alert_id: int | None, seller: str | None, note: str | None, correct_within_hours: float,
          issued_at) -> None:  # noqa: ANN001
    """Record a warning on an alert or a seller, put it on the timeline and send seller.warned.

    \b
    Example:
      pricewatch warnings issue --alert 42 --note "市监告〔2020〕3号" --correct-within-hours 48
      pricewatch warnings issue --seller jd/s1000
    """
    from datetime import datetime

    import pandas as pd

    from pricewatch.enforcement.warnings import issue_warning

    platform = seller_id = None
    if seller:
        platform, sep, seller_id = seller.partition("/")
        if not sep or not platform or not seller_id:
            raise click.BadParameter("write the seller as PLATFORM/SELLER_ID", param_hint="--seller")
    settings = load_settings()
    when = None
    if issued_at is not None:
        stamp = pd.Timestamp(issued_at)
        if not isinstance(issued_at, datetime):
            stamp = pd.Timestamp(issued_at).tz_localize(settings.timezone)
        elif stamp.tzinfo is None:
            stamp = stamp.tz_localize(settings.timezone)
        when = stamp.tz_convert("UTC").to_pydatetime()
    warning = issue_warning(open_database(settings), alert_id=alert_id, platform=platform, seller_id=seller_id,
                            note=note, correct_within_hours=correct_within_hours, issued_at=when, actor="cli")
    click.echo(f"warning {warning.id} recorded; correct by {warning.correct_by:%Y-%m-%d %H:%M} UTC; seller.warned "
               "queued for the platform's webhooks")


@warnings.command("list")
def list_warnings() -> None:
    """Warnings issued, newest first."""
    from pricewatch.cli.tables import print_table, when, zone_name
    from pricewatch.enforcement.warnings import warnings_frame

    db = open_database(load_settings())
    frame = warnings_frame(db)
    if frame.empty:
        click.echo("no warnings")
        return
    tz = db.settings.tz
    zone = zone_name(tz)
    print_table(["#", f"issued ({zone})", f"correct by ({zone})", "seller", "alert", "by", "note"],
                [[r.warning_id, when(r.issued_at, tz), when(r.correct_by, tz),
                  f"{r.platform}/{r.seller_id}" if r.seller_id else "-",
                  "-" if r.alert_id != r.alert_id or r.alert_id is None else f"#{int(r.alert_id)}", r.issued_by,
                  (r.note or "")[:60]] for r in frame.itertuples(index=False)], right=["#"])
