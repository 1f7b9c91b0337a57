"""``pricewatch reports list|check|purge-contacts``: public reports for regulators."""

from __future__ import annotations

import click

from pricewatch.config import load_settings
from pricewatch.store import open_database

STATUS = click.Choice(["received", "checking", "confirmed", "not_confirmed", "duplicate"])


@click.group()
def reports() -> None:
    """Public reports (POST /v1/reports): list them, check them by a priority crawl, purge old contacts.

    See docs/reports.md for the reporting channel, its abuse controls and how reports enter detection.
    """


@reports.command("list")
@click.option("--status", type=STATUS, help="Only reports with this status.")
@click.option("--platform", help="Only reports about this platform's listings.")
@click.option("--review", is_flag=True, help='Only "reported" review items: confirmed reports with no alert.')
@click.option("--contacts", is_flag=True, help="Show reporters' notes and contact details (regulators only).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
def list_reports(status: str | None, platform: str | None, review: bool, contacts: bool, limit: int) -> None:
    """Reports, newest first: status, listing, reported and crawled price, the alert it backs.

    \b
    Example:
      pricewatch reports list --status confirmed
      pricewatch reports list --review --contacts
    """
    from pricewatch.cli.tables import print_table, when, zone_name
    from pricewatch.reports.listing import reports_frame, review_items

    db = open_database(load_settings())
    frame = reports_frame(db, status=status, platform=platform, with_private=contacts, limit=limit)
    if review:
        frame = review_items(frame)
    if frame.empty:
        click.echo("no reports" + (" to review" if review else ""))
        return
    tz = db.settings.tz
    columns = ["id", f"received ({zone_name(tz)})", "platform", "listing", "reported", "crawled", "status", "why",
               "alert"] + (["note", "contact"] if contacts else [])
    rows = []
    for r in frame.itertuples(index=False):
        row = [r.report_id, when(r.received_at, tz), r.platform or "-", r.listing_id or "-",
               f"{r.price:.2f} {r.currency}",
               "-" if r.crawled_price != r.crawled_price or r.crawled_price is None else f"{r.crawled_price:.2f}",
               r.status + (f" of #{int(r.duplicate_of)}" if r.status == "duplicate" and r.duplicate_of == r.duplicate_of
                           and r.duplicate_of is not None else ""),
               (r.status_reason or "")[:80],
               "-" if r.alert_id != r.alert_id or r.alert_id is None else f"#{int(r.alert_id)}"]
        if contacts:
            row += [r.note or "", r.contact or ""]
        rows.append(row)
    print_table(columns, rows, right=["id", "reported", "crawled"], title=f"{len(frame)} public reports")


@reports.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="Reports to check in this run (oldest waiting first).")
@click.option("--detect/--no-detect", default=True, show_default=True,
              help="Run detection afterwards, so confirmed reports escalate their alerts now.")
def check(limit: int, detect: bool) -> None:
    """Crawl the pages of waiting reports (priority crawl, platform hosts only) and confirm them or not."""
    from pricewatch.reports.check import check_reports, link_alerts

    db = open_database(load_settings())
    stats = check_reports(db, limit=limit)
    click.echo(stats.summary())
    if detect and stats.confirmed:
        from pricewatch.detect import run_detection

        click.echo(run_detection(db).summary())
        link_alerts(db)


@reports.command("purge-contacts")
def purge() -> None:
    """Delete reporters' contact details past [reports] contact_retention_days (default 90)."""
    from pricewatch.reports.listing import purge_contacts

    click.echo(f"{purge_contacts(open_database(load_settings()))} contact records deleted")
