"""``pricewatch detect`` and ``pricewatch detect --coverage``."""

from __future__ import annotations

import click

from pricewatch.config import load_settings
from pricewatch.store import open_database

REASON_TEXT = {
    "outside_emergency": "outside any emergency (region, category or period)",
    "no_quantity": "no unit price (pack quantity unreadable, or only sold-out/placeholder prices)",
    "too_few_days": "fewer than two observed days during the emergency",
    "no_currency_unit_match": "no comparable listing in the same currency and unit",
    "no_baseline": "no own history and too few like-for-like peers",
}


@click.command()
@click.option("--no-monitor", is_flag=True, help="Skip the early-warning level-shift monitor for listings that no "
              "emergency covers.")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Show what the last run evaluated and what it could not, by reason (does not run detection).")
def detect(no_monitor: bool, show_coverage: bool) -> None:
    """Run all detectors over stored observations; open, update or close alerts. Idempotent.

    Listings covered by an emergency (by region and category; by default the protective-goods categories) are
    judged by its rule preset against their own regular pre-emergency price, or for sellers without history against
    the same product sold by others (else the top of their size class's normal range), net of market-wide
    movement. Other listings are watched by a statistical level-shift monitor (STL, robust). One alert per listing
    and violation episode; re-running updates alerts instead of duplicating them. Every run records its coverage:
    `pricewatch detect --coverage` shows the last one.
    """
    from pricewatch.detect.run import last_run, run_detection

    db = open_database(load_settings())
    if show_coverage:
        run = last_run(db)
        if run is None:
            raise click.ClickException("no detection run recorded yet: run `pricewatch detect` first")
        _print_coverage(run.coverage or {}, run.listings, started=run.started_at, tz=db.settings.timezone)
        return
    stats = run_detection(db, monitor_uncovered=not no_monitor)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in stats.seconds.items())
    click.echo(f"{stats.summary()} [{timing}]")
    _print_coverage(stats.coverage, stats.listings)


def _print_coverage(coverage: dict, listings: int, *, started=None, tz: str = "UTC") -> None:
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    counts = coverage.get("counts", [])
    if not listings:
        console.print("[bold red]WARNING: no listings stored — nothing was evaluated[/bold red] "
                      "(pricewatch ingest FILE… or pricewatch crawl SPIDER first).")
        return
    title = "coverage"
    if started is not None:
        local = started.astimezone(ZoneInfo(tz))
        title += f" of the run started {local.strftime('%Y-%m-%d %H:%M %z')} ({tz})"
    table = Table(title=title)
    for column in ("status", "reason", "listings", "share"):
        table.add_column(column, justify="right" if column in ("listings", "share") else "left")
    for c in counts:
        share = f"{100 * c['listings'] / listings:.1f}%" if listings else "-"
        reason = REASON_TEXT.get(c["reason"], c["reason"] or "")
        table.add_row(c["status"], reason, f"{c['listings']:,}", share)
    console.print(table)
    for reason, rows in coverage.get("examples", {}).items():
        console.print(f"[bold]{reason}[/bold] — for example:")
        for r in rows:
            detail = f" ({r['detail']})" if r.get("detail") else ""
            console.print(f"  {r['platform']}/{r['listing_key']}: {r.get('title') or '(no title)'}{detail}",
                          markup=False)
    evaluated = sum(c["listings"] for c in counts if c["status"] == "evaluated")
    if listings and evaluated == 0:
        console.print("[bold red]WARNING: this run evaluated no listing under an emergency[/bold red] — "
                      "no alert here does not mean a clean market (see the reasons above).")
