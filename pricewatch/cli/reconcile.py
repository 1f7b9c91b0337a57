"""``pricewatch reconcile``: crawled pages against the platforms' own feeds."""

from __future__ import annotations

import click

from pricewatch.config import load_settings
from pricewatch.store import open_database


@click.command()
@click.option("--platform", help="Only this platform's discrepancies.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="Discrepancies shown (largest understatement first).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@click.option("--refresh/--no-refresh", default=True, show_default=True,
              help="Compare the stored observations first (recording new discrepancies), then list.")
def reconcile(platform: str | None, limit: int, fmt: str, refresh: bool) -> None:
    """Discrepancies between crawled pages and platform feeds for the same listing at the same time.

    Each crawled page is compared with the feed row current when it was fetched (within [reconcile]
    window_hours, default 24); pairs that differ by more than tolerance_pct (1 %) are recorded with both prices,
    both sources, the evidence hash and the difference (page − feed: positive when the feed understates). Per
    platform, the share of pages that agree is the feed accuracy (also in `pricewatch compliance`).

    \b
    Example:
      pricewatch reconcile --platform tmall
      pricewatch reconcile --format csv > discrepancies.csv
    """
    from pricewatch.cli.tables import console, print_table, when, zone_name
    from pricewatch.reconcile import accuracy_by_platform, discrepancies_frame
    from pricewatch.reconcile import reconcile as run

    db = open_database(load_settings())
    if refresh:
        click.echo(run(db).summary(), err=fmt == "csv")
    frame = discrepancies_frame(db, platform=platform, limit=limit)
    if fmt == "csv":
        out = frame.copy()
        for name in ("page_observed_at", "feed_observed_at", "detected_at"):
            out[name] = out[name].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(out.to_csv(index=False), nl=False)
        return
    tz = db.settings.tz
    accuracy = accuracy_by_platform(db)
    if platform:
        accuracy = accuracy[accuracy["platform"] == platform]
    print_table(["platform", "pages compared", "agree", "feed lower", "feed higher", "median gap"],
                [[r.platform, r.feed_pairs, f"{r.feed_accuracy_pct:.1f}%", r.feed_understated, r.feed_overstated,
                  "-" if r.feed_median_difference_pct != r.feed_median_difference_pct
                  else f"{r.feed_median_difference_pct:+.1f}%"] for r in accuracy.itertuples(index=False)],
                right=["pages compared", "agree", "feed lower", "feed higher", "median gap"],
                title="feed accuracy: crawled pages vs the platform's own feed")
    if frame.empty:
        console().print("no discrepancies")
        return
    zone = zone_name(tz)
    print_table(["#", "platform", "listing", f"page ({zone})", "page", f"feed ({zone})", "feed", "page − feed",
                 "evidence"],
                [[r.discrepancy_id, r.platform, r.listing_id, when(r.page_observed_at, tz),
                  f"{r.page_price:.2f} {r.currency}", when(r.feed_observed_at, tz), f"{r.feed_price:.2f}",
                  f"{r.difference:+.2f} ({r.difference_pct:+.0f}%)", r.snapshot_sha256[:12] if r.snapshot_sha256
                  else "-"] for r in frame.itertuples(index=False)],
                right=["#", "page", "feed", "page − feed"],
                title=f"{len(frame)} discrepancies (page − feed > 0: the feed understates the page)")
