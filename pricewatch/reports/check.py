"""Checking public reports: a priority crawl of each reported page, then confirmed or not confirmed.

``check_reports`` takes the reports waiting (status ``received``), marks them ``checking`` and crawls their pages
ahead of any regular crawl, in a child process (``pricewatch.crawl``, spider ``report``: no redirects). Only
URLs that passed :mod:`pricewatch.reports.hosts` at intake are ever in the queue, and before fetching, the host
must still resolve to public addresses (or be listed in ``[reports] allow_private``) — a report cannot make
pricewatch fetch an internal address. Each fetched page is stored as evidence and its price as an observation
(source ``spider:report``), like any crawled page.

A report is **confirmed** when the page shows the listing for sale in the reported currency at no less than the
reported price minus ``confirm_tolerance_pct`` %; otherwise **not confirmed**, with the reason (the page shows a
lower price, no price, the listing is gone, the page could not be fetched). A confirmed report is linked to the
listing's open alert if there is one, and detection escalates that alert (``pricewatch.reports.signals``); with no
alert it stays a "reported" review item — a report alone never makes a violation.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from pricewatch.reports.intake import ReportSettings
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, PublicReport, utcnow

ACTIVE_ALERT = ("open", "notified", "acknowledged", "disputed")


@dataclass
class CheckStats:
    checked: int = 0
    confirmed: int = 0
    not_confirmed: int = 0
    refused_hosts: int = 0
    pages: int = 0
    escalated: list[int] = field(default_factory=list)  # alert ids linked to a confirmed report

    def summary(self) -> str:
        return (f"{self.checked} reports checked: {self.confirmed} confirmed, {self.not_confirmed} not confirmed "
                f"({self.refused_hosts} on hosts that may not be fetched); {self.pages} pages crawled")


def host_refusal(host: str, allowed: set[str]) -> str | None:
    """Why the crawl may not fetch ``host`` (None: it may): it does not resolve, or resolves to a private address."""
    from pricewatch.webhooks.guard import AddressRefused, refusal, resolve

    if host.lower() in allowed:
        return None
    try:
        addresses = resolve(host, 443)
    except AddressRefused:
        return f"{host} does not resolve"
    for address in addresses:
        why = refusal(address)
        if why is not None and address not in allowed:
            return f"{host} resolves to {why}; not fetched (allow it with [reports] allow_private)"
    return None


def _judge(report: PublicReport, seen: dict | None, tolerance_pct: float) -> tuple[str, str]:
    if seen is None:
        return "not_confirmed", "the page was not fetched (robots.txt or a crawl failure)"
    if seen.get("error"):
        return "not_confirmed", f"the page could not be fetched: {seen['error'][:200]}"
    if seen.get("removed"):
        return "not_confirmed", "the page says the listing is no longer for sale"
    price = seen.get("price")
    if price is None:
        return "not_confirmed", "the page shows no price (sold out or unreadable)"
    currency = seen.get("currency")
    if currency and currency != report.currency:
        return "not_confirmed", f"the page prices in {currency}, the report in {report.currency}"
    if price >= report.price * (1 - tolerance_pct / 100):
        return "confirmed", f"the page shows {price:.2f} {report.currency} (reported {report.price:.2f})"
    return "not_confirmed", (f"the page shows {price:.2f} {report.currency}, lower than the reported "
                             f"{report.price:.2f}")


def check_reports(db: Database, *, limit: int = 50, settings: ReportSettings | None = None,
                  timeout: float = 300) -> CheckStats:
    """Crawl and judge up to ``limit`` waiting reports (oldest first). See the module docstring."""
    from pricewatch.crawl import run_crawl
    from pricewatch.errors import PricewatchError
    from pricewatch.webhooks.guard import normalised_allowed

    settings = settings or ReportSettings.of(db)
    allowed = normalised_allowed(settings.allow_private)
    stats = CheckStats()
    with db.session() as s:
        waiting = s.scalars(select(PublicReport).where(PublicReport.status == "received")
                            .order_by(PublicReport.id).limit(limit)).all()
        if not waiting:
            return stats
        now = utcnow()
        to_fetch: dict[str, list[int]] = {}
        for report in waiting:
            why = host_refusal(report.host, allowed)
            report.checked_at = now
            if why:
                report.status, report.status_reason = "not_confirmed", why
                stats.refused_hosts += 1
                stats.not_confirmed += 1
                stats.checked += 1
                continue
            report.status = "checking"
            to_fetch.setdefault(report.url, []).append(report.id)
        s.commit()
    if not to_fetch:
        return stats

    seen: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="pricewatch-reports-") as folder:
        urls, out = Path(folder) / "urls.txt", Path(folder) / "seen.jsonl"
        urls.write_text("".join(u + "\n" for u in to_fetch), encoding="utf-8")
        try:
            summary = run_crawl("report", {"url_file": str(urls), "out_file": str(out)}, timeout=timeout,
                                database_url=db.settings.database_url)
            stats.pages = summary.pages
        except (PricewatchError, OSError) as exc:
            for url in to_fetch:
                seen[url] = {"error": str(exc)[-200:]}
        if out.exists():
            for line in out.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                seen.setdefault(entry["url"], entry)
    with db.session() as s:
        for url, ids in to_fetch.items():
            for report in s.scalars(select(PublicReport).where(PublicReport.id.in_(ids))):
                entry = seen.get(url)
                report.status, report.status_reason = _judge(report, entry, settings.confirm_tolerance_pct)
                report.checked_at = utcnow()
                if entry and entry.get("price") is not None:
                    report.crawled_price = float(entry["price"])
                    report.crawled_currency = entry.get("currency")
                    report.snapshot_sha256 = entry.get("sha256")
                    if entry.get("observed_at"):
                        from datetime import datetime

                        report.crawled_at = datetime.fromisoformat(entry["observed_at"])
                elif entry and entry.get("sha256"):
                    report.snapshot_sha256 = entry["sha256"]
                stats.checked += 1
                if report.status == "confirmed":
                    stats.confirmed += 1
                else:
                    stats.not_confirmed += 1
        s.commit()
    stats.escalated = link_alerts(db)
    return stats


def link_alerts(db: Database) -> list[int]:
    """Link confirmed reports to their listing's current alert (called after checks and after detection)."""
    linked = []
    with db.session() as s:
        reports = s.scalars(select(PublicReport).where(PublicReport.status == "confirmed",
                                                       PublicReport.alert_id.is_(None))).all()
        for report in reports:
            alert_id = s.scalar(select(Alert.id).where(Alert.listing_id == report.listing_id,
                                                       Alert.status.in_(ACTIVE_ALERT))
                                .order_by(Alert.id.desc()).limit(1))
            if alert_id is not None:
                report.alert_id = alert_id
                linked.append(alert_id)
        s.commit()
    return linked
