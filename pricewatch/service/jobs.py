"""The jobs the service runs. Each is a plain function ``job(db) -> str`` (a one-line summary), so any of them can
also be run once by hand (``pricewatch jobs run NAME``).

- ``pull_feeds``: download the feed v1 URLs in ``[feeds] urls`` and ingest them; runs ``detect`` when new rows
  arrived ("detect after each collection");
- ``crawl``: run each crawl in ``[[crawl.targets]]`` (spider + arguments) in a child process, then ``detect``
  when new observations arrived;
- ``detect``: all detectors over stored observations;
- ``dispatch``: send what is due from the webhook outbox;
- ``recheck``: the pages of listings answered "delisted" are crawled again; those still selling are reopened;
- ``digest``: write the daily digest, and e-mail it when ``[mail]`` is configured;
- ``partitions``: on PostgreSQL, create the monthly partitions of ``price_observation`` for this month and the
  next three (and for months whose rows wait in the DEFAULT partition); nothing on SQLite.
- ``reports``: the priority crawl of pages named by public reports (``pricewatch.reports.check``), then ``detect``
  when one was confirmed; also deletes reporters' contact details past their retention.
- ``reconcile``: crawled pages against platform feeds (``pricewatch.reconcile``).

"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from pricewatch.store.engine import Database


def pull_feeds(db: Database) -> str:
    from pricewatch.ingest import ingest_files

    urls = db.settings.section("feeds").get("urls", [])
    if not urls:
        return "no [feeds] urls configured"
    total_new = 0
    parts = []
    with tempfile.TemporaryDirectory(prefix="pricewatch-feeds-") as tmp, httpx.Client(timeout=60) as client:
        for url in urls:
            name = Path(urlsplit(url).path).name or "feed.csv"
            path = Path(tmp) / name
            with client.stream("GET", url) as response:
                response.raise_for_status()
                with path.open("wb") as out:
                    for block in response.iter_bytes():
                        out.write(block)
            stats = ingest_files(db, [path], source=f"feed:{urlsplit(url).netloc}")
            if stats.errors:
                raise RuntimeError(f"{url}: {stats.errors[0]}")
            total_new += stats.accepted
            parts.append(f"{name} {stats.accepted} new/{stats.rows}")
    summary = "pulled " + ", ".join(parts)
    if total_new:
        summary += "; " + detect(db)
    return summary


def crawl(db: Database) -> str:
    """Each ``[[crawl.targets]]`` entry: ``spider = "search"`` plus its arguments (``base``, ``keywords``, ``urls``)."""
    from pricewatch.crawl import run_crawl

    targets = db.settings.section("crawl").get("targets", [])
    if not targets:
        return "no [[crawl.targets]] configured"
    parts, new = [], 0
    for target in targets:
        target = dict(target)
        spider = target.pop("spider")
        summary = run_crawl(spider, {k: str(v) for k, v in target.items()}, database_url=db.settings.database_url)
        parts.append(summary.line())
        new += summary.stored
    text = "; ".join(parts)
    if new:
        text += "; " + detect(db)
    return text


def detect(db: Database) -> str:
    from pricewatch.detect import run_detection

    return "detect: " + run_detection(db).summary()


def dispatch(db: Database) -> str:
    from pricewatch.webhooks.dispatch import dispatch as send

    return "webhooks: " + send(db).summary()


def recheck(db: Database) -> str:
    """Crawl the pages of listings answered 'delisted' (when they have web URLs), then reopen those still selling."""
    from pricewatch.crawl import run_crawl
    from pricewatch.enforcement.recheck import due_for_recheck
    from pricewatch.enforcement.recheck import recheck as check

    urls = [url for _, url in due_for_recheck(db) if url and url.startswith(("http://", "https://"))]
    crawled = ""
    if urls:
        summary = run_crawl("product", {"urls": ",".join(urls)}, database_url=db.settings.database_url)
        crawled = f"crawled {summary.pages} delisted pages ({summary.removed} gone); "
    stats = check(db)
    return f"re-check: {crawled}{stats.checked} delisted listings checked, {stats.relisted} still selling (reopened)"


def digest(db: Database) -> str:
    from pricewatch.digest import build_digest, send_digest, write_digest

    result = write_digest(db, build_digest(db))
    summary = (f"digest {result.day}: {result.counts['new']} new, {result.counts['continuing']} continuing, "
               f"{result.counts['closed']} closed → {result.html_path}")
    mail = db.settings.section("mail")
    if mail.get("host") and mail.get("recipients"):
        summary += f"; mailed to {len(send_digest(db, result))} recipients"
    return summary


def partitions(db: Database) -> str:
    from pricewatch.store.partitions import maintain

    if db.dialect != "postgresql":
        return "partitions: none on SQLite (one plain table)"
    created = maintain(db.engine, ahead=3)
    return "partitions: " + (f"created {', '.join(created)}" if created else "all present")


def reports(db: Database) -> str:
    """Check waiting public reports (priority crawl), detect when one was confirmed, purge expired contacts."""
    from pricewatch.reports.check import check_reports, link_alerts
    from pricewatch.reports.listing import purge_contacts

    stats = check_reports(db)
    summary = stats.summary()
    if stats.confirmed:
        summary += "; " + detect(db)
        link_alerts(db)
    purged = purge_contacts(db)
    return summary + (f"; {purged} expired contacts deleted" if purged else "")


def reconcile(db: Database) -> str:
    from pricewatch.reconcile import reconcile as run

    return run(db).summary()


JOBS: dict[str, Callable[[Database], str]] = {
    "pull_feeds": pull_feeds, "crawl": crawl, "detect": detect, "dispatch": dispatch, "recheck": recheck, "digest": digest,
    "partitions": partitions, "reports": reports, "reconcile": reconcile,
}
DEFAULT_SCHEDULE = {
    "pull_feeds": "every 30m", "crawl": "every 1h", "detect": "every 15m", "dispatch": "every 5s", "recheck": "every 1h",
    "digest": "daily 08:00", "partitions": "daily 03:00", "reports": "every 5m", "reconcile": "every 1h",
}
