"""Evidence store: the stored page's hash matches; nothing is overwritten; verify catches tampering."""

from __future__ import annotations

import gzip
import hashlib
import json
import os

from sqlalchemy import func, select

from pricewatch.evidence import EvidenceStore
from pricewatch.ingest import ingest_frame
from pricewatch.store.models import PriceObservation, Snapshot

PAGE = "<html><body><span class='p-price'>￥<em>29.90</em></span></body></html>".encode()


def test_page_is_stored_under_its_hash_once(db):
    store = EvidenceStore(db)
    sha = store.put(PAGE, url="https://item.jd.com/1.html", status=200, content_type="text/html",
                    headers={"server": "jd"})
    assert sha == hashlib.sha256(PAGE).hexdigest()
    path = store.path_of(sha)
    assert gzip.decompress(path.read_bytes()) == PAGE
    assert not os.access(path, os.W_OK) or os.geteuid() == 0  # written read-only
    assert oct(path.stat().st_mode & 0o777) == "0o444"
    mtime = path.stat().st_mtime_ns
    assert store.put(PAGE, url="https://elsewhere.example/") == sha  # same content: same evidence, untouched
    assert path.stat().st_mtime_ns == mtime
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 1
        assert s.get(Snapshot, sha).url == "https://item.jd.com/1.html"
    snapshot, body = store.get(sha)
    assert body == PAGE and snapshot.http_status == 200


def test_observations_point_to_their_evidence(db):
    sha = EvidenceStore(db).put(PAGE, url="https://item.jd.com/1.html")
    ingest_frame(db, __import__("pandas").DataFrame([{
        "platform": "jd", "listing_id": "1", "observed_at": "2020-01-20T00:00:00Z", "price": "29.90",
        "currency": "CNY", "title": "口罩 50只/盒", "snapshot_sha256": sha}]))
    with db.session() as s:
        assert s.scalar(select(PriceObservation.snapshot_sha256)) == sha


def test_verify_catches_a_tampered_or_missing_page(db, run_cli, workdir):
    store = EvidenceStore(db)
    good = store.put(PAGE, url="u1")
    bad = store.put(PAGE.replace(b"29.90", b"99.90"), url="u2")
    gone = store.put(b"<html>gone</html>", url="u3")
    result = run_cli("evidence", "verify")
    assert result.exit_code == 0 and "3 ok" in result.output
    tampered = store.path_of(bad)
    tampered.chmod(0o644)
    tampered.write_bytes(gzip.compress(PAGE.replace(b"29.90", b"19.90")))
    store.path_of(gone).unlink()
    result = run_cli("evidence", "verify")
    assert result.exit_code == 1
    assert f"ALTERED: {bad}" in result.output and f"missing: {gone}" in result.output
    assert good not in result.output
    shown = run_cli("evidence", "show", good, "-o", "page.html")
    assert shown.exit_code == 0
    assert json.loads(shown.output)["url"] == "u1"
    assert (workdir / "page.html").read_bytes() == PAGE
