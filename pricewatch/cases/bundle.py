"""Export a case as one ZIP that a regulator can file and anyone can check offline (layout in docs/cases.md).

An alert case::

    case-alert-<id>/
      README.txt           the extraction record (提取笔录): what, when (UTC), by whom, from where, how; en + zh
      alert.json           the alert record (pricewatch.cases.content.alert_record)
      prices.csv           every observation of the listing (UTC and display-zone times, baseline window marked)
      chart.png            the price chart (the digest's chart code)
      timeline.csv         webhooks, answers, decisions, notes, re-checks (the alert page's timeline)
      evidence/index.csv   each snapshot: sha256, file, URL, fetched_at (UTC), HTTP status, content type, size
      evidence/<sha256>.<ext>   each stored page body, byte for byte as fetched
      manifest.json        SHA-256 and size of every file above
      SHA256SUMS           the same hashes (and manifest.json's) in ``sha256sum -c`` form

A seller case holds ``seller.json`` (the entity across platforms), ``alerts.csv``, one ``alerts/<id>/`` folder per
alert (alert.json, prices.csv, chart.png, timeline.csv) and the shared ``evidence/``.

A stored page whose body no longer matches its hash is refused (:class:`CaseError`): a bundle must never present
altered evidence as genuine. A page recorded but missing from the store is listed in ``evidence/index.csv`` as
``missing`` and named in :attr:`CaseExport.missing_evidence`.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import make_url

from pricewatch import __version__
from pricewatch.alerts.casefile import case_file, timeline
from pricewatch.cases.chart import chart_png
from pricewatch.cases.content import SERIES_COLUMNS, alert_record, evidence_hashes, price_series
from pricewatch.enforcement.entity import seller_entity
from pricewatch.errors import NotFound, PricewatchError
from pricewatch.evidence.store import EvidenceStore
from pricewatch.instants import utc_text, utc_texts
from pricewatch.store.engine import Database
from pricewatch.store.models import AuditLog, Snapshot, utcnow

FORMAT = "pricewatch-case/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
EXTENSIONS = {"text/html": "html", "application/xhtml+xml": "html", "application/json": "json",
              "application/ld+json": "json", "text/csv": "csv", "text/plain": "txt", "application/xml": "xml",
              "text/xml": "xml", "image/png": "png", "image/jpeg": "jpg"}


class CaseError(PricewatchError):
    """A case cannot be exported as asked (unknown alert or seller, altered evidence in the store)."""


@dataclass
class CaseExport:
    path: Path
    files: int
    manifest_sha256: str
    bundle_sha256: str
    alerts: list[int] = field(default_factory=list)
    evidence: int = 0
    missing_evidence: list[str] = field(default_factory=list)


class _Writer:
    """Collects files (path → bytes) and writes them with a manifest; hashes are of the bytes written."""

    def __init__(self, root: str):
        self.root = root
        self.files: dict[str, bytes] = {}

    def add(self, path: str, data: bytes | str) -> None:
        self.files[path] = data.encode("utf-8") if isinstance(data, str) else data

    def write(self, target: Path, meta: dict) -> tuple[str, str, int]:
        entries = [{"path": p, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
                   for p, b in sorted(self.files.items())]
        manifest = json.dumps({**meta, "algorithm": "sha256", "files": entries}, ensure_ascii=False, indent=2)
        manifest_bytes = manifest.encode("utf-8")
        manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
        sums = "".join(f"{e['sha256']}  {e['path']}\n" for e in entries) + f"{manifest_sha}  {MANIFEST}\n"
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        stamp = datetime.now().timetuple()[:6]
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path, data in [*sorted(self.files.items()), (MANIFEST, manifest_bytes), (SUMS, sums.encode())]:
                info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
        os.replace(partial, target)  # a half-written bundle never carries the final name
        bundle_sha = hashlib.sha256(target.read_bytes()).hexdigest()
        return manifest_sha, bundle_sha, len(entries) + 2


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


def _summary(event: dict) -> str:
    """One English line for a timeline entry of :func:`pricewatch.alerts.casefile.timeline`."""
    kind, d = event["kind"], event.get("detail") or {}
    if kind == "detected":
        return f"detected: {d.get('rule')}, {d.get('severity')}"
    if kind in ("status", "info"):
        text = (f"status {d.get('from')} → {d.get('to')}" if d.get("from") else f"status {d.get('to')}") \
            if kind == "status" else f"platform said {d.get('info')} " \
            "after the decision (recorded as information)"
        return text + (" (re-listed)" if d.get("relisted") else "") + (f": {d['note']}" if d.get("note") else "")
    if kind == "answered":
        return f"platform answered {d.get('response')}" + (f": {d['reason']}" if d.get("reason") else "")
    if kind.startswith("webhook_"):
        state = kind.removeprefix("webhook_")
        extra = ", ".join(str(x) for x in (d.get("http"), d.get("error")) if x)
        return (f"{d.get('event')} {state} → {d.get('url')} (attempts {d.get('attempts')}"
                + (f", last {extra}" if extra else "") + ")")
    if kind == "note":
        return f"note: {d.get('note')}"
    if kind == "recheck_requested":
        return "re-check requested"
    if kind == "rechecked":
        return f"re-checked: {d.get('outcome')}"
    if kind == "seller_flagged":
        return f"seller.flagged → {d.get('platform')}/{d.get('seller_id')}: {d.get('reason')}"
    return kind


def _timeline_csv(events: list[dict], tz: str) -> str:
    """The alert page's timeline as CSV: UTC and display-zone times, kind, who, a summary line, the details."""
    at = pd.to_datetime(pd.Series([e["at"] for e in events], dtype=object), utc=True)
    out = pd.DataFrame({
        "at_utc": utc_texts(at),
        "at_local": at.dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M:%S UTC%z")
        .str.replace(r"([+-]\d\d)(\d\d)$", r"\1:\2", regex=True),
        "kind": [e["kind"] for e in events], "by": [e.get("by") for e in events],
        "summary": [_summary(e) for e in events],
        "detail": [json.dumps(e.get("detail") or {}, ensure_ascii=False, default=str, sort_keys=True)
                   for e in events],
    }, columns=["at_utc", "at_local", "kind", "by", "summary", "detail"])
    return _csv(out)


def _source(db: Database) -> str:
    """The database the case was read from, without its password."""
    url = make_url(db.settings.database_url)
    return url.render_as_string(hide_password=True)


def _operator(operator: str | None) -> str:
    if operator:
        return operator
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 — no login name in some containers; the record says so
        return "unknown"


def _add_alert(writer: _Writer, db: Database, session, alert_id: int, folder: str, evidence: list[str]) -> dict:  # noqa: ANN001
    case = case_file(session, alert_id)
    if case is None:
        raise CaseError(f"no alert {alert_id}")
    series = price_series(db, case)
    record = alert_record(case, series)
    writer.add(f"{folder}alert.json", json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False))
    out = series.copy()
    for name in ("price", "shipping", "unit_price"):
        out[name] = out[name].astype(float)
    writer.add(f"{folder}prices.csv", _csv(out.reindex(columns=SERIES_COLUMNS)))
    writer.add(f"{folder}chart.png", chart_png(db, alert_id))
    writer.add(f"{folder}timeline.csv", _timeline_csv(timeline(session, case), db.settings.timezone))
    for sha in evidence_hashes(case.alert, series):
        if sha not in evidence:
            evidence.append(sha)
    return record


def _add_evidence(writer: _Writer, db: Database, hashes: list[str]) -> list[str]:
    """Each snapshot body under evidence/, and evidence/index.csv; returns the hashes missing from the store."""
    store = EvidenceStore(db)
    rows, missing = [], []
    with db.session() as s:
        snapshots = {x.sha256: x for x in s.scalars(select(Snapshot).where(Snapshot.sha256.in_(hashes)))}
    for sha in hashes:
        snap = snapshots.get(sha)
        row = {"sha256": sha, "file": None, "url": None, "fetched_at_utc": None, "http_status": None,
               "content_type": None, "size": None, "state": "ok"}
        if snap is None:
            row["state"] = "missing: no snapshot record"
            missing.append(sha)
            rows.append(row)
            continue
        row.update(url=snap.url, fetched_at_utc=utc_text(snap.fetched_at), http_status=snap.http_status,
                   content_type=snap.content_type)
        try:
            _, body = store.get(sha)
        except NotFound:
            row["state"] = "missing: the stored file is gone"
            missing.append(sha)
            rows.append(row)
            continue
        if hashlib.sha256(body).hexdigest() != sha:
            raise CaseError(f"evidence {sha}: the stored body no longer matches its SHA-256 (altered or corrupted "
                            "store; run `pricewatch evidence verify`) — refusing to bundle it as genuine")
        kind = (snap.content_type or "").split(";")[0].strip().lower()
        name = f"evidence/{sha}.{EXTENSIONS.get(kind, 'bin')}"
        writer.add(name, body)
        row.update(file=name, size=len(body))
        rows.append(row)
    writer.add("evidence/index.csv", _csv(pd.DataFrame(rows, columns=list(rows[0]) if rows else
                                                     ["sha256", "file", "url", "fetched_at_utc", "http_status",
                                                      "content_type", "size", "state"])))
    return missing


def _readme(subject: str, meta: dict, counts: dict) -> str:
    return f"""pricewatch case bundle — {subject}
=====================================================

Extraction record / 电子数据提取笔录
-----------------------------------
Subject / 提取对象:            {subject}
Extracted at (UTC) / 提取时间:  {meta['created_at']}
Operator / 提取人:             {meta['created_by']}
Tool / 提取工具:               pricewatch {__version__} (`pricewatch case export`)
Source system / 数据来源:       {meta['source']}
Method / 提取方法:              records read from the pricewatch database; stored pages copied byte for byte from
                               the content-addressed evidence store (each file named by the SHA-256 of its body,
                               re-hashed at export); every file hashed with SHA-256 into manifest.json and SHA256SUMS.
Contents / 内容:               {counts['alerts']} alert(s), {counts['evidence']} evidence page(s),
                               {counts['missing']} evidence page(s) recorded but missing from the store.

All instants are UTC (ISO 8601, Z); prices.csv and timeline.csv add the display-zone time with its offset.
所有时间均为协调世界时（UTC）；prices.csv 与 timeline.csv 另列本地时间及时区偏移。
All findings are presumptive (prima facie); the seller may show cost increases.
所有预警均为初步（表面证据）判断，经营者可提供成本上涨证明。

Check this bundle offline / 离线校验:
  pricewatch case verify THIS.zip
  or: unzip THIS.zip && cd <folder> && sha256sum -c SHA256SUMS
Record the SHA-256 of manifest.json (printed by `pricewatch case export`) in the case file: it fixes every hash.
"""


def _audit(db: Database, meta: dict, target: str, manifest_sha: str, bundle_sha: str) -> None:
    """Who exported which case when, with the hashes that identify the bundle (the audit log keeps them)."""
    with db.session() as s:
        s.add(AuditLog(actor=meta["created_by"], action="case.exported", target=target,
                       detail={"manifest_sha256": manifest_sha, "bundle_sha256": bundle_sha,
                               "created_at": meta["created_at"]}))
        s.commit()


def _meta(db: Database, subject: dict, operator: str | None) -> dict:
    return {"format": FORMAT, "subject": subject, "created_at": utc_text(utcnow()), "created_by": _operator(operator),
            "tool": f"pricewatch {__version__}", "source": _source(db), "timezone_shown": db.settings.timezone}


def export_alert_case(db: Database, alert_id: int, target: Path, *, operator: str | None = None) -> CaseExport:
    """Write the case of alert ``alert_id`` to ``target`` (a .zip). :class:`CaseError` if there is no such alert."""
    writer = _Writer(f"case-alert-{alert_id}")
    evidence: list[str] = []
    with db.session() as s:
        record = _add_alert(writer, db, s, alert_id, "", evidence)
    missing = _add_evidence(writer, db, evidence)
    listing = record["listing"]
    subject = {"kind": "alert", "alert_id": alert_id, "platform": listing["platform"],
               "listing_id": listing["listing_id"]}
    meta = _meta(db, subject, operator)
    title = f"alert #{alert_id}, {listing['platform']}/{listing['listing_id']}"
    writer.add("README.txt", _readme(title, meta, {"alerts": 1, "evidence": len(evidence) - len(missing),
                                                   "missing": len(missing)}))
    manifest_sha, bundle_sha, files = writer.write(target, meta)
    _audit(db, meta, f"alert:{alert_id}", manifest_sha, bundle_sha)
    return CaseExport(path=target, files=files, manifest_sha256=manifest_sha, bundle_sha256=bundle_sha,
                      alerts=[alert_id], evidence=len(evidence) - len(missing), missing_evidence=missing)


def export_seller_case(db: Database, platform: str, seller_id: str, target: Path, *,
                       operator: str | None = None, progress=None) -> CaseExport:  # noqa: ANN001
    """Write the case of the legal entity of ``platform/seller_id`` (every account with its licence, on every
    platform; :func:`pricewatch.enforcement.entity.seller_entity`) to ``target``. ``progress(done, total)`` is
    called after each alert."""
    try:
        entity = seller_entity(db, platform, seller_id)
    except NotFound as exc:
        raise CaseError(str(exc)) from None
    writer = _Writer(f"case-seller-{platform}-{seller_id}".replace("/", "_"))
    evidence: list[str] = []
    ids = [int(i) for i in entity.alerts["alert_id"]]
    with db.session() as s:
        for n, alert_id in enumerate(ids, 1):
            _add_alert(writer, db, s, alert_id, f"alerts/{alert_id}/", evidence)
            if progress:
                progress(n, len(ids))
    missing = _add_evidence(writer, db, evidence)
    alerts = entity.alerts.copy()
    for name in ("first_violation_at", "detected_at", "notified_at", "answered_at", "closed_at"):
        alerts[name] = utc_texts(alerts[name])
    writer.add("alerts.csv", _csv(alerts))
    writer.add("seller.json", json.dumps(_entity_record(entity), ensure_ascii=False, indent=2, default=str))
    subject = {"kind": "seller", "platform": platform, "seller_id": seller_id, "license": entity.license,
               "accounts": [f"{a.platform}/{a.seller_id}" for a in entity.accounts.itertuples()]}
    meta = _meta(db, subject, operator)
    title = f"seller {platform}/{seller_id}" + (f", licence {entity.license}" if entity.license else "")
    writer.add("README.txt", _readme(title, meta, {"alerts": len(ids), "evidence": len(evidence) - len(missing),
                                                   "missing": len(missing)}))
    manifest_sha, bundle_sha, files = writer.write(target, meta)
    _audit(db, meta, f"seller:{entity.seller_db_id}", manifest_sha, bundle_sha)
    return CaseExport(path=target, files=files, manifest_sha256=manifest_sha, bundle_sha256=bundle_sha, alerts=ids,
                      evidence=len(evidence) - len(missing), missing_evidence=missing)


def _entity_record(entity) -> dict:  # noqa: ANN001
    def rows(frame: pd.DataFrame) -> list[dict]:
        out = frame.copy()
        for name in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[name]) or name.endswith("_at") or name == "at":
                out[name] = utc_texts(out[name])
        return json.loads(out.to_json(orient="records", force_ascii=False))

    answers = (entity.alerts.groupby(["platform", entity.alerts["response"].fillna("unanswered")]).size()
               .rename("alerts").reset_index())
    return {"format": FORMAT, "license": entity.license, "names": entity.names, "platforms": entity.platforms,
            "accounts": rows(entity.accounts.drop(columns=["seller_db_id"])),
            "listings": rows(entity.listings.drop(columns=["listing_db_id"])),
            "answers_by_platform": json.loads(answers.to_json(orient="records")),
            "seller_flagged": rows(entity.flagged)}
