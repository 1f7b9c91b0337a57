"""The evidence store: every fetched page, gzip-compressed, under the SHA-256 of its raw body.

Layout: ``<evidence_dir>/ab/cd/abcd…ef.gz`` (the hash's first two byte pairs as folders). A ``snapshot`` row holds
the URL, fetch time (UTC), HTTP status, content type, headers, size and path. Nothing is ever overwritten: storing
the same body again returns the same hash and leaves the file and row as they were (content addressing makes a
second copy impossible), and files are written read-only. ``verify`` re-hashes every stored page and reports
missing files and mismatches (a tampered or corrupted file).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pricewatch.errors import NotFound
from pricewatch.store.engine import Database
from pricewatch.store.models import Snapshot, utcnow


@dataclass
class VerifyReport:
    checked: int = 0
    ok: int = 0
    missing: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.missing and not self.mismatched


class EvidenceStore:
    def __init__(self, db: Database, root: Path | None = None, *, batch: bool = False):
        """``batch=True`` (crawls): the page file is written at once, its snapshot row at the next ``flush()`` —
        one transaction for many pages; call ``flush()`` before storing rows that refer to the hashes."""
        self.db = db
        self.root = Path(root or db.settings.evidence_dir)
        self.batch = batch
        self._pending: dict[str, dict] = {}

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.gz"

    def put(self, body: bytes, *, url: str | None, status: int | None = 200, content_type: str | None = None,
            headers: dict | None = None, fetched_at: datetime | None = None) -> str:
        """Store a page; returns its SHA-256 (hex). Idempotent for the same body."""
        sha256 = hashlib.sha256(body).hexdigest()
        path = self.path_of(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # unique per writer: crawl workers on several machines share this folder (pids may coincide)
            tmp = path.with_suffix(f".tmp{os.getpid()}-{uuid.uuid4().hex[:8]}")
            tmp.write_bytes(gzip.compress(body, compresslevel=6, mtime=0))
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
        row = {"sha256": sha256, "url": url, "fetched_at": fetched_at or utcnow(), "http_status": status,
               "content_type": content_type, "headers": headers, "size": len(body),
               "storage_path": str(path.relative_to(self.root))}
        if self.batch:
            self._pending.setdefault(sha256, row)  # the first fetch of a body is its record
        else:
            self._insert([row])
        return sha256

    def flush(self) -> None:
        """Write the snapshot rows of pages stored since the last flush (batch mode), in one transaction."""
        rows, self._pending = list(self._pending.values()), {}
        for start in range(0, len(rows), 500):
            self._insert(rows[start:start + 500])

    def _insert(self, rows: list[dict]) -> None:
        with self.db.session() as s:
            known = set(s.scalars(select(Snapshot.sha256).where(Snapshot.sha256.in_([r["sha256"] for r in rows]))))
            s.add_all(Snapshot(**r) for r in rows if r["sha256"] not in known)
            try:
                s.commit()
                return
            except IntegrityError:  # stored concurrently by another process: same content, same row
                s.rollback()
        if len(rows) > 1:  # find which ones: row by row
            for row in rows:
                self._insert([row])

    def get(self, sha256: str) -> tuple[Snapshot, bytes]:
        with self.db.session() as s:
            snapshot = s.get(Snapshot, sha256)
        if snapshot is None:
            raise NotFound(f"no snapshot {sha256}")
        path = self.root / snapshot.storage_path
        if not path.exists():
            raise NotFound(f"snapshot {sha256} is recorded but its file {path} is missing")
        return snapshot, gzip.decompress(path.read_bytes())

    def verify(self) -> VerifyReport:
        report = VerifyReport()
        with self.db.session() as s:
            rows = s.execute(select(Snapshot.sha256, Snapshot.storage_path)).all()
        for sha256, relative in rows:
            report.checked += 1
            path = self.root / relative
            if not path.exists():
                report.missing.append(sha256)
                continue
            try:
                actual = hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
            except (OSError, EOFError):
                actual = None
            if actual == sha256:
                report.ok += 1
            else:
                report.mismatched.append(sha256)
        return report
