"""The demo's cooperation step: public reports through the keyless API and the reconciliation finding.

``understate_feed`` makes one platform's feed (``tmall``) understate its page prices for a share of its clean
listings after the emergency (``pricewatch.simulate.understate``) — the history files the demo ingests carry the
lowered prices, while the demo marketplace's pages show the true ones. ``cooperation_step`` then, with the API and
the marketplace on 127.0.0.1:

1. files three public reports the way a reporter's browser would (challenge → proof of work → ``POST
   /v1/reports``): one on a violating listing at the price its page shows (confirmed by the priority crawl, which
   escalates the alert), one on a clean listing at three times its price (not confirmed), and the first one again
   from another reporter (a duplicate);
2. reconciles crawled pages with the feeds and compares the discrepancies with the scenario's ground truth.

Once per database: a re-run shows the reports already filed instead of filing new ones.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pandas as pd
from sqlalchemy import func, select

from pricewatch.simulate.understate import understate
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Listing, Platform, PublicReport

UNDERSTATING = "tmall"
STOREFRONTS = ("jd", "tmall", "shopus")


def understate_feed(sc, feed: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN001
    """Lower ``UNDERSTATING``'s feed prices to 80 % for 30 % of its clean listings, from 5 days after the emergency."""
    clean = sc.truth.loc[~sc.truth["gouging"] & (sc.truth["platform"] == UNDERSTATING), "listing_id"]
    since = sc.start + pd.Timedelta(days=sc.emergency_day + 5)
    candidates = feed[(feed["platform"] != UNDERSTATING) | feed["listing_id"].isin(set(clean))]
    lowered, truth = understate(candidates, platform=UNDERSTATING, share=0.3, factor=0.8, since=since)
    out = feed.copy()
    out.loc[lowered.index, "price"] = lowered["price"]
    return out, truth


def _solve_and_post(api: str, report: dict) -> dict:
    from pricewatch.reports.throttle import solve

    challenge = httpx.get(f"{api}/v1/reports/challenge", timeout=10).json()
    report = {**report, "proof": {"challenge": challenge["challenge"],
                                  "nonce": solve(challenge["challenge"], challenge["bits"])}}
    r = httpx.post(f"{api}/v1/reports", json=report, timeout=30)
    r.raise_for_status()
    return r.json()


def _pick(db: Database, sc, market) -> tuple[tuple | None, tuple | None]:  # noqa: ANN001
    """(a violating listing still answered only by a dispute or silence, with its page price now), (a clean one)."""
    last = market.clock
    with db.session() as s:
        rows = s.execute(select(Alert.id, Platform.name, Listing.listing_key, Alert.severity, Alert.last_violation_at)
                         .join(Listing, Listing.id == Alert.listing_id)
                         .join(Platform, Platform.id == Listing.platform_id)
                         .where(Alert.status.in_(("open", "notified", "disputed", "acknowledged")),
                                Platform.name.in_(STOREFRONTS))
                         .order_by(Alert.id)).all()
    violating = None
    for alert_id, platform, key, severity, last_violation in rows:
        page = market.current(key)
        if page is None or pd.isna(page["price"]) or page["availability"] != "in_stock":
            continue
        if last_violation is None or pd.Timestamp(last_violation) < last - pd.Timedelta(days=1):
            continue
        violating = (alert_id, platform, key, severity, float(page["price"]), page["currency"])
        if severity != "egregious":
            break
    clean = None
    truth = sc.truth
    for key, platform in zip(truth.loc[~truth["gouging"], "listing_id"], truth.loc[~truth["gouging"], "platform"]):
        page = market.current(key) if platform in STOREFRONTS else None
        if page is not None and pd.notna(page["price"]) and page["availability"] == "in_stock":
            clean = (platform, key, float(page["price"]), page["currency"])
            break
    return violating, clean


def cooperation_step(db: Database, sc, understated: pd.DataFrame, api: str,  # noqa: ANN001
                     step: Callable[[str], None]) -> list[str]:
    """Run the step (see module docstring); announce progress with ``step`` (and ``step.detail``), return the lines
    of the final summary."""
    from pricewatch.detect import run_detection
    from pricewatch.reconcile import discrepancies_frame, reconcile
    from pricewatch.reports.check import check_reports, link_alerts
    from pricewatch.reports.listing import reports_frame
    from pricewatch.simulate.marketplace import Marketplace
    table_text = _table_text()
    from pricewatch.webhooks.dispatch import dispatch

    detail = getattr(step, "detail", lambda text: step("    " + text))
    # the priority crawl may fetch the demo marketplace on 127.0.0.1: allowed explicitly, as pricewatch.toml would
    db.settings.raw.setdefault("reports", {}).setdefault("allow_private", [])
    if "127.0.0.1" not in db.settings.raw["reports"]["allow_private"]:
        db.settings.raw["reports"]["allow_private"].append("127.0.0.1")
    lines: list[str] = []
    before = None  # the escalated alert's severity before the report (known on the run that files the reports)
    with db.session() as s:
        already = s.scalar(select(func.count()).select_from(PublicReport).where(PublicReport.note.like("demo:%")))
    last_day = sc.prices["observed_at"].max().normalize() + pd.Timedelta(hours=23, minutes=59)
    with Marketplace(sc.listings, sc.prices) as market:
        market.set_clock(last_day)
        if not already:
            violating, clean = _pick(db, sc, market)
            step(f"three public reports through the keyless API (challenge, proof of work, POST "
                 f"/v1/reports); the priority crawl checks each page at {market.url}")
            filed = []
            if violating:
                alert_id, platform, key, severity, price, currency = violating
                before = severity
                url = market.item_url(key)
                filed.append(("violating listing, page price", alert_id, severity, _solve_and_post(
                    api, {"url": url, "price": f"{price:.2f}", "currency": currency,
                          "note": "demo: the price on the page", "contact": "demo reporter, +86 138 0000 0000"})))
                filed.append(("the same, another reporter", None, None, _solve_and_post(
                    api, {"url": url, "price": f"{price:.2f}", "currency": currency,
                          "note": "demo: a second reporter"})))
            if clean:
                platform, key, price, currency = clean
                filed.append(("clean listing, 3× its price", None, None, _solve_and_post(
                    api, {"url": market.item_url(key), "price": f"{price * 3:.2f}", "currency": currency,
                          "note": "demo: a mistaken report"})))
            checked = check_reports(db)
            detail(checked.summary())
            if checked.confirmed:
                run_detection(db)  # a confirmed report escalates the listing's alert
                link_alerts(db)
                dispatch(db)  # the escalation goes to the platform as violation.updated
    frame = reports_frame(db)
    demo = frame[frame["report_id"].isin(_demo_ids(db))]
    lines.append("public reports (demo): status after the priority crawl")
    lines.append(table_text(["report", "listing", "reported", "page shows", "status", "alert"],
                            [(f"#{r.report_id}", f"{r.platform}/{r.listing_id}", f"{r.price:.2f} {r.currency}",
                              "-" if pd.isna(r.crawled_price) else f"{r.crawled_price:.2f}",
                              r.status + (f" of #{int(r.duplicate_of)}" if pd.notna(r.duplicate_of) else ""),
                              "-" if pd.isna(r.alert_id) else f"#{int(r.alert_id)}")
                             for r in demo.sort_values("report_id").itertuples(index=False)],
                            right={"reported", "page shows"}))
    escalated = demo.dropna(subset=["alert_id"])
    if len(escalated):
        with db.session() as s:
            alert = s.get(Alert, int(escalated["alert_id"].iloc[0]))
            flagged = "public_report_confirmed" in (alert.flags or [])
            lines.append(f"  alert #{alert.id}: {'was [' + before + '], ' if before else ''}now [{alert.severity}]"
                         f"{', flagged public_report_confirmed' if flagged else ''}; the mistaken report changed "
                         "nothing (a report alone is never a violation)")

    stats = reconcile(db)
    step("reconciling crawled pages with the platforms' feeds")
    detail(stats.summary())
    found = discrepancies_frame(db)
    lowered = set(understated["listing_id"])
    since = understated["since"].iloc[0]
    found_ids = set(found["listing_id"])
    right = found_ids & lowered
    crawled = _paged_since(db, UNDERSTATING, lowered, since)
    lines.append(f"reconciliation: {len(found):,} discrepancies on {len(found_ids)} listings "
                 f"({', '.join(sorted(set(found['platform']))) or 'none'}); ground truth: {UNDERSTATING}'s feed "
                 f"understates {len(lowered)} listings by 20 % from {since:%Y-%m-%d}, {len(crawled)} of them crawled "
                 f"with a price since — {len(right & crawled)} of those found, {len(found_ids - lowered)} other "
                 "listings flagged")
    if len(found):
        from pricewatch.reconcile import accuracy_by_platform

        accuracy = accuracy_by_platform(db)
        lines.append(table_text(["platform", "pages compared", "agree", "feed lower", "median gap"],
                                [(r.platform, r.feed_pairs, f"{r.feed_accuracy_pct:.1f}%", r.feed_understated,
                                  "-" if pd.isna(r.feed_median_difference_pct)
                                  else f"{r.feed_median_difference_pct:+.1f}%")
                                 for r in accuracy.itertuples(index=False)],
                                right={"pages compared", "agree", "feed lower", "median gap"}))
        lines.append("  rule: both values are kept; detection judges the evidence-backed page price, the conflict is "
                     "flagged (feed_page_conflict) — `pricewatch reconcile` lists them")
    return lines


def _paged_since(db: Database, platform: str, keys: set[str], since: pd.Timestamp) -> set[str]:
    """The listings among ``keys`` with a crawled page (an observation with evidence) at or after ``since``."""
    from pricewatch.store.models import PriceObservation

    with db.session() as s:
        found = s.scalars(select(Listing.listing_key).join(Platform, Platform.id == Listing.platform_id)
                          .join(PriceObservation, PriceObservation.listing_id == Listing.id)
                          .where(Platform.name == platform, PriceObservation.snapshot_sha256.is_not(None),
                                 PriceObservation.observed_at >= since.to_pydatetime()).distinct()).all()
    return set(found) & keys


def _table_text():  # noqa: ANN202
    """The demo's table renderer (pricewatch.tables, issue 16); a plain fallback while that module is not there."""
    try:
        from pricewatch.tables import table_text
    except ImportError:  # pragma: no cover - only on a tree without pricewatch/tables.py
        def table_text(columns, rows, *, right=(), indent=2):  # noqa: ANN001, ANN202, ARG001
            return "\n".join(" " * indent + "  ".join(str(v) for v in row) for row in [columns, *rows])
    return table_text


def _demo_ids(db: Database) -> list[int]:
    with db.session() as s:
        first = s.scalar(select(func.min(PublicReport.id)).where(PublicReport.note.like("demo:%")))
        if first is None:
            return []
        return list(s.scalars(select(PublicReport.id).where(PublicReport.id >= first, PublicReport.id < first + 3)))
