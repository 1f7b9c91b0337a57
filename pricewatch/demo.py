"""``pricewatch demo``: a simulated crisis through the real pipeline, on the configured database.

What runs (all real code, nothing mocked): a seeded scenario of Chinese and US listings over 80 days with an
emergency declared half-way → platform feed files (feed v1, gzip CSV, one per platform) → ``ingest`` →
``emergency add`` (CN under cn-samr-2020, US-CA under us-ca-pc396) → ``detect`` → ``alerts export``. The summary
compares what was flagged with the scenario's ground truth. The database stays behind for ``pricewatch history``.

Then the enforcement loop: each platform's pledge is recorded, a demo platform receiver on 127.0.0.1 gets signed
webhooks (verified with the ``standardwebhooks`` library), answers through the HTTP API (delists most violations,
disputes some, ignores a few), sellers with the same licence are flagged on the other platforms, a later feed shows
two delisted listings still selling and the re-check reopens them, and the pledge-compliance report is printed.

Besides the feeds holding the history, the demo marketplace (pricewatch.simulate.marketplace) is crawled on six
simulated days around the emergency — both storefront styles through keyword search, and the cooperating
platform's feed — so alerts carry evidence pages. Finally the regulators' daily digest is written (HTML + CSV).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from analysis.explain import percent
from analysis.market import movement
from pricewatch.alerts.export import SEVERITY_ORDER, alerts_frame, export_alerts
from pricewatch.api.serve import serve_api
from pricewatch.detect import run_detection
from pricewatch.digest import build_digest, write_digest
from pricewatch.emergency import add_emergency
from pricewatch.enforcement.compliance import compliance, set_pledge
from pricewatch.enforcement.recheck import recheck
from pricewatch.ingest import IngestStats, ingest_files, ingest_frame
from pricewatch.keys import create_key
from pricewatch.simulate.cooperation import cooperation_step, understate_feed
from pricewatch.simulate.platform import DemoPlatforms
from pricewatch.simulate.scenario import build_scenario
from pricewatch.store.engine import Database
from pricewatch.store.models import (
    Alert,
    Emergency,
    Listing,
    Platform,
    PriceObservation,
    WebhookEndpoint,
    utcnow,
)
from pricewatch.tables import table_text
from pricewatch.webhooks.dispatch import dispatch
from pricewatch.webhooks.endpoints import add_endpoint


@dataclass
class DemoResult:
    summary: str
    alerts_csv: Path
    seconds: float


PLEDGES = {"jd": 24, "tmall": 24, "shopus": 48, "carefeed": 72}  # delisting deadlines (hours) in the pledges


class Steps:
    """Numbered steps of the demo's progress (1, 2, 3 … in the order they run: no hand-kept numbers that drift)."""

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self.n = 0

    def __call__(self, text: str) -> None:
        self.n += 1
        self.say(f"{self.n:>2}. {text}")

    def detail(self, text: str) -> None:
        self.say(f"    {text}")


def run_demo(db: Database, folder: Path, *, listings: int = 600, days: int = 80, seed: int = 2020,
             say: Callable[[str], None] = print) -> DemoResult:
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    feeds = folder / "feeds"
    feeds.mkdir(exist_ok=True)
    step = Steps(say)
    step(f"building a market of {listings} listings over {days} days (emergency on day {days // 2})")
    sc = build_scenario(n_listings=listings, days=days, emergency_day=days // 2, seed=seed)
    feed, understated = understate_feed(sc, sc.feed())  # one platform's feed understates its pages (reconcile)
    paths = []
    written = 0
    for platform, rows in feed.groupby("platform"):
        if platform == "carefeed":
            continue  # the cooperating platform's data comes from its live feed, crawled below
        path = feeds / f"{platform}.csv.gz"
        rows.to_csv(path, index=False, compression="gzip")
        paths.append(path)
        written += len(rows)
    step(f"ingesting {written:,} observations from {len(paths)} platform feed files (the history)")
    stats: IngestStats = ingest_files(db, paths, source="demo-feed")
    step.detail(stats.summary())
    crawled = _crawl_storefronts(db, sc, step)

    with DemoPlatforms() as platforms, serve_api(db) as api:
        keys = _connect_platforms(db, platforms)
        step(f"platforms connected, signed webhooks to a demo platform receiver at 127.0.0.1:{platforms.port}, "
             f"API at {api}")
        step.detail("pledged delisting deadlines: " + ", ".join(f"{k} {v} h" for k, v in PLEDGES.items()))
        with db.session() as s:
            known = {(e.name, e.jurisdiction) for e in s.scalars(select(Emergency))}
        for e in sc.emergency:
            if (e["name"], e["jurisdiction"]) not in known:
                add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                              rules=e["rules"])
        step("emergencies declared: " + "; ".join(
            f"{e['jurisdiction']} from {e['start']:%Y-%m-%d} under {e['rules']}" for e in sc.emergency))
        step("detecting")
        detected = run_detection(db)
        step.detail(detected.summary())
        step("delivering violations; the demo platform answers through the API")
        sent = dispatch(db)
        answers = platforms.answer_violations(api, keys, set())
        sent2 = dispatch(db)  # the answers' violation.updated and seller.flagged events
        step.detail(f"{sent.delivered + sent2.delivered:,} webhooks delivered (signatures verified by the receiver: "
                    f"{platforms.rejected} rejected); answers: "
                    + ", ".join(f"{k} {v}" for k, v in sorted(answers.items())))
        relisted = _still_selling(db, sc)
        checked = recheck(db)
        dispatch(db)
        step(f"re-check of delisted listings: {checked.checked} checked, {checked.relisted} still selling "
             f"(reopened{'; the next feed showed them in stock' if relisted else ''})")
        cooperation = cooperation_step(db, sc, understated, api, step)  # public reports, reconciliation
        received = platforms.by_type()
    alerts_csv = folder / "alerts.csv"
    export_alerts(db, alerts_csv, "csv")
    # accelerated time: compliance as it will stand three days on, when every pledge deadline has passed — one
    # clock for the printed report and the digest, stated in both, so they show the same figures
    compliance_clock = utcnow() + timedelta(days=3)
    # the digest of the scenario's last day (its data are from 2020, not today's)
    scenario_day = sc.prices["observed_at"].max().tz_convert(db.settings.timezone).date()
    step(f"writing the daily digest for {scenario_day}, the scenario's last day")
    digest = write_digest(db, build_digest(db, scenario_day, as_of=compliance_clock), folder / "digests")

    alerts = alerts_frame(db)
    truth = sc.truth
    keys = pd.MultiIndex.from_frame(truth[["platform", "listing_id"]])
    flagged = keys.isin(pd.MultiIndex.from_frame(alerts[["platform", "listing_id"]])) if len(alerts) else False
    truth = truth.assign(flagged=flagged)
    caught = int((truth["flagged"] & truth["gouging"]).sum())
    gougers = int(truth["gouging"].sum())
    false_alarms = int((truth["flagged"] & ~truth["gouging"]).sum())
    lines = [
        "",
        f"listings {len(sc.listings):,}   observations {detected.observations:,}   alerts {len(alerts):,}",
        "",
        "alerts by rule and severity:",
    ]
    if len(alerts):
        table = alerts.groupby(["rule", "severity"]).size().unstack(fill_value=0)
        severities = [sev for sev in SEVERITY_ORDER if sev in table.columns]
        lines.append(table_text(["rule", *severities, "total"],
                                [(rule, *(int(row[sev]) for sev in severities), int(row.sum()))
                                 for rule, row in table.iterrows()], right={*severities, "total"}))
    lines.append(f"ground truth: {caught} of {gougers} gouging listings flagged, {false_alarms} false alarms "
                 f"among {len(truth) - gougers} clean listings")
    if detected.detection is not None and len(detected.detection.index):
        start = min(e["start"] for e in sc.emergency)
        moves = movement(detected.detection.index, start)
        moved = moves[moves["change_pct"].abs() >= 5]
        if len(moved):
            lines.append("market movement since the declaration (category index, not gouging):")
            lines.append(table_text(["category", "currency", "unit", "change"],
                                    [(r.category, r.currency, r.unit, percent(r.change_pct))
                                     for r in moved.itertuples(index=False)], right={"change"}))
    lines.append(f"crawled: {crawled['pages']:,} storefront and feed pages on 6 simulated days, "
                 f"{crawled['stored']:,} observations with evidence")
    lines.append("webhooks received by the demo platforms: " + ", ".join(
        f"{k} {v}" for k, v in sorted(received.items())))
    report = compliance(db, compliance_clock)
    as_of = compliance_clock.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines.append(f"pledge compliance as of {as_of}, three days on (accelerated time; the digest uses the same clock; "
                 f"`pricewatch compliance --as-of {as_of}` shows the same figures):")
    counted = ["notified", "answered", "in time", "delisted", "disputed", "overdue", "relisted"]
    lines.append(table_text(
        ["platform", "deadline", *counted],
        [(r.platform, "-" if pd.isna(r.deadline_hours) else f"{int(r.deadline_hours)}h", r.notified, r.answered,
          "-" if pd.isna(r.answered_in_time) else int(r.answered_in_time), r.delisted, r.disputed, r.overdue,
          r.relistings_caught) for r in report.itertuples(index=False)],
        right={"deadline", *counted}))
    lines.extend(["", *cooperation])
    if len(alerts):
        lines.append("")
        lines.append("most severe:")
        for a in alerts.head(3).itertuples(index=False):
            lines.append(f"  #{a.alert_id} {a.platform}/{a.listing_id} [{a.severity}] {a.explanation}")
    lines.append("")
    lines.append(f"alerts: {alerts_csv}")
    lines.append(f"daily digest for {digest.day}: {digest.html_path} (+ {digest.csv_path.name})")
    lines.append("explore: pricewatch alerts list | pricewatch history --category mask.surgical --daily --by platform"
                 " | pricewatch chart --category mask.surgical -o masks.png")
    seconds = time.perf_counter() - started
    lines.append(f"demo finished in {seconds:.0f}s")
    return DemoResult(summary="\n".join(lines), alerts_csv=alerts_csv, seconds=seconds)


CRAWL_KEYWORDS = "口罩,消毒液,酒精,洗手液,手套,mask,sanitizer,wipes,goggles,gloves"


def _crawl_storefronts(db: Database, sc, step: Steps) -> dict:  # noqa: ANN001
    """Crawl the demo marketplace on a few simulated days around the emergency: both storefront styles (search →
    product pages, kept as evidence) and the cooperating platform's feed. Accelerated time: the marketplace's clock
    is moved between crawls, and each page's Date header carries it."""
    from pricewatch.crawl import run_crawl
    from pricewatch.simulate.marketplace import Marketplace

    e = sc.emergency_day
    last_day = int((sc.prices["observed_at"].max() - sc.start).days)
    crawl_days = [e - 3, e + 4, e + 8, e + 15, e + 25, last_day]
    totals = {"pages": 0, "stored": 0, "rejected": 0, "robots_forbidden": 0, "removed": 0}
    storefronts = [p for p in ("jd", "tmall", "shopus") if p in set(sc.listings["platform"])]
    with Marketplace(sc.listings, sc.prices) as market:
        step(f"crawling the demo marketplace at {market.url} ({', '.join(storefronts)} storefronts and the "
             f"carefeed feed) on simulated days {', '.join(str(d) for d in crawl_days)}")
        since = None
        for day in crawl_days:
            market.set_clock(sc.start + pd.Timedelta(days=day, hours=23, minutes=59))
            feed_url = f"{market.url}/carefeed/feed.csv" + (f"?since={since}" if since else "")
            since = market.clock.strftime("%Y-%m-%dT%H:%M:%SZ")  # the next pull asks only for what is new
            for spider, args in (("search", {"base": ",".join(f"{market.url}/{p}" for p in storefronts),
                                             "keywords": CRAWL_KEYWORDS}),
                                 ("feed", {"urls": feed_url})):
                summary = run_crawl(spider, args, database_url=db.settings.database_url)
                for key in totals:
                    totals[key] += getattr(summary, key)
        step.detail(f"crawled {totals['pages']:,} pages: {totals['stored']:,} new observations, "
                    f"{totals['rejected']} quarantined, {totals['removed']} removed listings seen, "
                    f"{totals['robots_forbidden']} URLs refused by robots.txt")
    return totals


def _connect_platforms(db: Database, platforms: DemoPlatforms) -> dict[str, str]:
    """Pledges, webhook endpoints to the demo receiver (earlier demo runs' endpoints are retired) and API keys."""
    # the demo's own receiver is on 127.0.0.1: allow it explicitly, as a deployment would in pricewatch.toml
    db.settings.raw.setdefault("webhooks", {}).setdefault("allow_private", [])
    if "127.0.0.1" not in db.settings.raw["webhooks"]["allow_private"]:
        db.settings.raw["webhooks"]["allow_private"].append("127.0.0.1")
    with db.session() as s:
        for endpoint in s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.url.like("%/demo-platform/%"))):
            endpoint.enabled = False
            endpoint.disabled_reason = "replaced by a later demo run"
        s.commit()
    keys = {}
    for name, hours in PLEDGES.items():
        set_pledge(db, name, deadline_hours=hours, signed_on=date(2020, 1, 21))
        _endpoint, secret = add_endpoint(db, platform=name, url=platforms.url(name), actor="demo")
        platforms.secrets[name] = secret
        keys[name] = create_key(db, role="platform", platform=name, name="demo platform")[1]
    return keys


def _still_selling(db: Database, sc) -> int:  # noqa: ANN001
    """The platforms' next feed: two listings answered 'delisted' are in fact still for sale (once per database)."""
    with db.session() as s:
        if s.scalar(select(PriceObservation.id).where(PriceObservation.source == "demo-next-feed").limit(1)):
            return 0
        rows = s.execute(select(Platform.name, Listing.listing_key).join(Listing, Listing.platform_id == Platform.id)
                         .join(Alert, Alert.listing_id == Listing.id).where(Alert.status == "delisted")
                         .order_by(Alert.id).limit(2)).all()
    if not rows:
        return 0
    now = utcnow()
    frame = pd.DataFrame([{"platform": p, "listing_id": k, "observed_at": now.isoformat(), "price": "99.00",
                           "currency": "CNY" if p in ("jd", "tmall") else "USD", "availability": "in_stock"}
                          for p, k in rows])
    ingest_frame(db, frame, source="demo-next-feed")
    return len(rows)
