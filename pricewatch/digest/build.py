"""The regulators' daily digest: one self-contained HTML file (inline PNG charts) and a CSV of the same alerts.

For day D (a calendar day in the display zone): headline counts — alerts new on D, continuing from before D, closed
on D — by category and platform; the active alerts ranked by severity and increase, each with its price chart,
baseline and current unit price, increase, rule, explanation and evidence hashes; market movement per category with
the price-index chart; pledge compliance per platform; what changed since the day before. English or Chinese
(``[display] language``). Single column, max 640 px wide: it reads on a phone mail client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from analysis.detect import detect
from analysis.explain import money, per_unit
from analysis.market import movement
from analysis.presets import load_presets
from pricewatch.alerts.export import COLUMNS, SEVERITY_ORDER
from pricewatch.amounts import round_percent, round_unit_price
from pricewatch.charts import data_uri, index_chart, listing_chart
from pricewatch.detect.load import load_listings, load_observations
from pricewatch.digest.links import listing_link, review_url
from pricewatch.emergency import emergencies_frame
from pricewatch.enforcement.compliance import as_of_instant, compliance, format_as_of, resolve_as_of
from pricewatch.enforcement.compliance import records as compliance_records
from pricewatch.instants import utc_texts
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Emergency, Listing, Platform, Seller

EXTRA_CSV_COLUMNS = ["title", "seller_name", "seller_license", "url", "review_url"]
ACTIVE = ("open", "notified", "acknowledged", "delisted", "disputed", "verified")
TEMPLATES = Path(__file__).parent
LABELS = {
    "en": {"title": "pricewatch daily digest", "new": "new", "continuing": "continuing", "closed": "closed",
           "alerts": "Alerts, most severe first", "by_category": "By category", "by_platform": "By platform",
           "market": "Market movement (category price index)", "compliance": "Pledge compliance",
           "changes": "Since yesterday", "baseline": "baseline", "now": "now", "rule": "rule",
           "evidence": "evidence", "none": "No active alerts.", "more": "more alerts in the attached CSV",
           "platform": "platform", "notified": "notified", "answered": "answered", "in_time": "in time",
           "delisted": "delisted", "disputed": "disputed", "overdue": "overdue", "relisted": "re-listings",
           "category": "category", "change": "change", "as_of": "as of", "awaiting": "awaiting", "seller": "seller", "licence": "licence",
           "listing": "listing page", "review": "review in the workspace", "no_seller": "seller not known", "prima_facie": "All alerts are presumptive (prima facie); "
           "sellers may show cost increases.", "times": "Times in",
           "scope": "Alerts whose violations fall on {day} or that were detected or closed on {day} "
                    "(a calendar day in {tz})."},
    "zh": {"title": "pricewatch 每日价格监测简报", "new": "新增", "continuing": "持续", "closed": "已结束",
           "alerts": "预警（按严重程度排序）", "by_category": "按品类", "by_platform": "按平台",
           "market": "市场价格变动（品类价格指数）", "compliance": "平台承诺履行情况", "changes": "与昨日相比",
           "baseline": "基准价", "now": "现价", "rule": "规则", "evidence": "证据", "none": "当前无预警。",
           "more": "条预警见附件 CSV", "platform": "平台", "notified": "已通知", "answered": "已答复",
           "in_time": "按时", "delisted": "已下架", "disputed": "有异议", "overdue": "逾期", "relisted": "重新上架",
           "category": "品类", "change": "变动", "as_of": "截至", "awaiting": "待答复", "seller": "经营者", "licence": "营业执照/注册号",
           "listing": "商品页面", "review": "在审查工作台中处理", "no_seller": "经营者未知", "prima_facie": "所有预警均为初步（表面证据）判断，经营者可提供成本上涨证明。",
           "times": "时区", "scope": "本简报涵盖违规发生在 {day}、或于 {day} 发现或结案的预警（{tz} 日历日）。"},
}


@dataclass
class Digest:
    day: date
    html: str
    csv: str
    alerts: pd.DataFrame
    counts: dict
    compliance: pd.DataFrame | None = None  # the pledge-compliance figures shown (attrs["as_of"]: their clock)
    html_path: Path | None = None
    csv_path: Path | None = None


def _window(day: date, tz: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))
    return start, start + timedelta(days=1)


def _alerts(db: Database) -> pd.DataFrame:
    stmt = (select(Alert, Platform.name, Listing.listing_key, Seller.seller_key, Listing.category, Listing.title,
                   Emergency.start, Seller.name, Seller.license, Listing.url)
            .join(Listing, Listing.id == Alert.listing_id).join(Platform, Platform.id == Listing.platform_id)
            .outerjoin(Seller, Seller.id == Listing.seller_id).outerjoin(Emergency, Emergency.id == Alert.emergency_id))
    with db.session() as s:
        rows = s.execute(stmt).all()
    return pd.DataFrame([{
        "alert_id": a.id, "listing_db_id": a.listing_id, "platform": p, "listing_id": key, "seller_id": seller,
        "category": cat, "title": title, "rule": a.rule, "severity": a.severity, "status": a.status,
        "first_violation_at": a.first_violation_at, "last_violation_at": a.last_violation_at,
        "detected_at": a.detected_at, "closed_at": a.closed_at,
        "baseline_unit_price": a.baseline_unit_price, "observed_unit_price": a.observed_unit_price, "unit": a.unit,
        "increase_pct": a.increase_pct, "currency": a.currency, "explanation": a.explanation,
        "evidence": a.evidence or [], "emergency_start": start,
        "seller_name": seller_name, "seller_license": license_, "url": url,
    } for a, p, key, seller, cat, title, start, seller_name, license_, url in rows])


def _on_day(alerts: pd.DataFrame, lo: datetime, hi: datetime) -> dict[str, pd.Series]:
    """Which alerts concern the day [lo, hi): their violation period (first violation → last violation, or on
    until now while the alert is active) overlaps it, or they were detected or closed on it. On back-filled data
    (2020's prices detected today) the violation days decide; on live data detection follows the violation by a
    day and both count. ``new``: first violation or detection on the day; ``continuing``: the rest of those
    concerned, except the ones closed that day."""
    first = pd.to_datetime(alerts["first_violation_at"], utc=True)
    last = pd.to_datetime(alerts["last_violation_at"], utc=True)
    detected = pd.to_datetime(alerts["detected_at"], utc=True)
    closed = pd.to_datetime(alerts["closed_at"], utc=True)
    active = alerts["status"].isin(ACTIVE)
    # an active alert goes on violating until now; a closed one until its last violation (or closing)
    end = last.where(~active, pd.Timestamp.max.tz_localize("UTC")).fillna(closed).fillna(first)
    violating = (first < hi) & (end >= lo)
    detected_on = (detected >= lo) & (detected < hi)
    closed_on = (closed >= lo) & (closed < hi)
    new = ((first >= lo) & (first < hi)) | detected_on
    concerned = violating | detected_on | closed_on
    return {"concerned": concerned, "new": new & concerned, "closed": closed_on,
            "continuing": concerned & ~new & ~closed_on}


def _counts(alerts: pd.DataFrame, lo: datetime, hi: datetime) -> dict:
    if alerts.empty:
        return {"new": 0, "continuing": 0, "closed": 0}
    on = _on_day(alerts, lo, hi)
    return {"new": int(on["new"].sum()), "continuing": int(on["continuing"].sum()), "closed": int(on["closed"].sum())}


def build_digest(db: Database, day: date | None = None, *, max_charts: int = 20,
                 as_of: datetime | None = None) -> Digest:
    """Build the digest for ``day`` (default: today in the display zone): the alerts whose violations fall on that
    day or that were detected or closed on it (:func:`_on_day`), as the header says.

    Pledge compliance is computed by :func:`pricewatch.enforcement.compliance.compliance` at ``as_of`` (default: the
    end of ``day`` in the display zone, or now if that is still ahead), and the digest states that clock.
    """
    tz = db.settings.timezone
    day = day or datetime.now(ZoneInfo(tz)).date()
    lo, hi = _window(day, tz)
    lang = LABELS[db.settings.language]
    alerts = _alerts(db)
    counts = _counts(alerts, lo, hi)
    yesterday = _counts(alerts, lo - timedelta(days=1), lo)

    if alerts.empty:
        shown = alerts
    else:
        shown = alerts[_on_day(alerts, lo, hi)["concerned"]].copy()
        shown["_order"] = shown["severity"].map(SEVERITY_ORDER).fillna(9)
        shown = shown.sort_values(["_order", "increase_pct"], ascending=[True, False]).drop(columns="_order")

    observations = load_observations(db)
    listings = load_listings(db)
    emergencies = emergencies_frame(db)
    cards = []
    for i, a in enumerate(shown.head(max_charts).itertuples(index=False)):
        chart = data_uri(listing_chart(db, int(a.alert_id), "png"))  # the chart of `pricewatch chart --alert`
        cards.append({"a": a, "chart": chart, "rank": i + 1,
                      "baseline": money(a.baseline_unit_price, a.currency) if a.baseline_unit_price else "-",
                      "now": money(a.observed_unit_price, a.currency) if a.observed_unit_price else "-",
                      "per": per_unit(a.unit, a.category), "review_url": review_url(db.settings, a.alert_id),
                      "listing_url": listing_link(a.url)})

    market_rows, market_chart = [], None
    if not observations.empty and not emergencies.empty:
        detection = detect(observations, listings[["category", "region", "currency", "unit", "quantity"]],
                           emergencies, load_presets(), monitor_uncovered=False)
        if len(detection.index):
            start = emergencies["start"].min()
            moves = movement(detection.index, start)
            market_rows = moves.sort_values("change_pct", ascending=False).to_dict("records")
            market_chart = data_uri(index_chart(
                detection.index[detection.index["day"] >= start - pd.Timedelta(days=30)], start,
                "category index (1.0 = pre-emergency baseline)"))
    compliance_clock = as_of_instant(as_of) if as_of is not None else min(as_of_instant(None), resolve_as_of(day, tz))
    report = compliance(db, compliance_clock)

    by_category = shown.groupby("category").size().sort_values(ascending=False).to_dict() if len(shown) else {}
    by_platform = shown.groupby("platform").size().sort_values(ascending=False).to_dict() if len(shown) else {}
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    html = env.get_template("digest.html.j2").render(
        L=lang, lang=db.settings.language, day=day, tz=tz, scope=lang["scope"].format(day=day, tz=tz), counts=counts, yesterday=yesterday, cards=cards,
        total=len(shown), by_category=by_category, by_platform=by_platform, market_rows=market_rows,
        market_chart=market_chart, compliance=compliance_records(report),
        compliance_as_of=format_as_of(compliance_clock, tz),
        reports=_public_reports(db, day, tz),
        generated=datetime.now(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M"),
    )
    export = shown.copy()
    if len(export):
        for name in ("first_violation_at", "detected_at"):
            export[name] = utc_texts(export[name])
        # the numbers exactly as `alerts export` writes them (pricewatch.amounts)
        for name in ("baseline_unit_price", "observed_unit_price"):
            export[name] = round_unit_price(pd.to_numeric(export[name], errors="coerce"), export["currency"])
        export["increase_pct"] = round_percent(pd.to_numeric(export["increase_pct"], errors="coerce"))
    # the public export columns, then what a reader needs to act on an alert that has no card in the HTML
    if len(export):
        export["url"] = export["url"].map(listing_link)
        export["review_url"] = [review_url(db.settings, i) for i in export["alert_id"]]
    csv = export.reindex(columns=[*COLUMNS, *EXTRA_CSV_COLUMNS]).to_csv(index=False)
    return Digest(day=day, html=html, csv=csv, alerts=shown, counts=counts, compliance=report)


def _public_reports(db: Database, day: date, tz: str) -> dict:
    """The public-reports card: reports received on ``day`` (a calendar day in ``tz``)."""
    from pricewatch.reports.listing import digest_reports

    start = pd.Timestamp(day).tz_localize(tz).tz_convert("UTC")
    return digest_reports(db, start.to_pydatetime(), (start + pd.Timedelta(days=1)).to_pydatetime(),
                          db.settings.language)


def write_digest(db: Database, digest: Digest, folder: Path | None = None) -> Digest:
    """Write ``digest-YYYY-MM-DD.html`` and ``.csv`` into ``[digest] dir`` (default: ``digests`` beside the config)."""
    if folder is None:
        configured = db.settings.section("digest").get("dir", "digests")
        base = db.settings.config_path.parent if db.settings.config_path else Path.cwd()
        folder = Path(configured) if Path(configured).is_absolute() else base / configured
    folder.mkdir(parents=True, exist_ok=True)
    digest.html_path = folder / f"digest-{digest.day.isoformat()}.html"
    digest.csv_path = folder / f"digest-{digest.day.isoformat()}.csv"
    digest.html_path.write_text(digest.html, encoding="utf-8")
    digest.csv_path.write_text(digest.csv, encoding="utf-8")
    return digest
