"""Case bundles: exported from the database, checked offline, and any change to any file is caught by name."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import zipfile

import pytest
from compliance_seed import PAGE, seed_enforced_case
from sqlalchemy import select

from pricewatch.evidence import EvidenceStore
from pricewatch.store.models import Alert, Listing, PriceObservation, Seller, Snapshot


@pytest.fixture
def case(db):
    return seed_enforced_case(db)


def _read(path) -> dict[str, bytes]:  # noqa: ANN001
    with zipfile.ZipFile(path) as zf:
        return {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist()}


def _rewrite(path, change) -> None:  # noqa: ANN001
    """Rewrite the ZIP at ``path`` with ``change(files)`` applied to its {relative path: bytes}."""
    with zipfile.ZipFile(path) as zf:
        root = zf.namelist()[0].split("/", 1)[0]
        files = {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist()}
    change(files)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(f"{root}/{name}", data)


def test_exported_alert_case_verifies_offline(case, run_cli, workdir):
    result = run_cli("case", "export", str(case["alert"]), "-o", "case.zip")
    assert result.exit_code == 0, result.output
    manifest_sha = hashlib.sha256(_read(workdir / "case.zip")["manifest.json"]).hexdigest()
    assert f"manifest.json SHA-256: {manifest_sha}" in result.output
    checked = run_cli("case", "verify", "case.zip", "--manifest-sha256", manifest_sha)
    assert checked.exit_code == 0 and "OK" in checked.output and f"alert {case['alert']}" in checked.output
    files = _read(workdir / "case.zip")
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in sums.items())  # sha256sum -c


@pytest.mark.parametrize("victim", ["prices.csv", "alert.json", "timeline.csv", "chart.png", "evidence/index.csv",
                                    "README.txt"])
def test_one_changed_byte_fails_verification_naming_the_file(case, run_cli, workdir, victim):
    run_cli("case", "export", str(case["alert"]), "-o", "case.zip")

    def flip(files: dict) -> None:
        data = bytearray(files[victim])
        data[len(data) // 2] ^= 0x01
        files[victim] = bytes(data)

    _rewrite(workdir / "case.zip", flip)
    result = run_cli("case", "verify", "case.zip")
    assert result.exit_code == 1
    assert f"altered: {victim}" in result.output and "FAILED" in result.output
    assert result.output.count("altered:") == 1


def test_changed_evidence_page_is_caught_even_with_a_rewritten_manifest(case, run_cli, workdir):
    run_cli("case", "export", str(case["alert"]), "-o", "case.zip")
    name = next(n for n in _read(workdir / "case.zip") if n.startswith(f"evidence/{case['page']}"))

    def forge(files: dict) -> None:  # change the price and fix the manifest's hash for it
        files[name] = files[name].replace(b"149.00", b"14.90")
        manifest = json.loads(files["manifest.json"])
        for entry in manifest["files"]:
            if entry["path"] == name:
                entry["sha256"] = hashlib.sha256(files[name]).hexdigest()
                entry["size"] = len(files[name])
        files["manifest.json"] = json.dumps(manifest).encode()

    _rewrite(workdir / "case.zip", forge)
    result = run_cli("case", "verify", "case.zip")
    assert result.exit_code == 1
    assert f"altered: {name}" in result.output  # its name is its original hash
    assert "altered: manifest.json" in result.output  # SHA256SUMS still holds the original manifest's hash


def test_missing_and_added_files_are_named(case, run_cli, workdir):
    run_cli("case", "export", str(case["alert"]), "-o", "case.zip")

    def change(files: dict) -> None:
        del files["chart.png"]
        files["evidence/extra.html"] = b"<html>planted</html>"

    _rewrite(workdir / "case.zip", change)
    result = run_cli("case", "verify", "case.zip")
    assert result.exit_code == 1
    assert "missing: chart.png" in result.output and "unlisted: evidence/extra.html" in result.output


def test_not_a_zip_is_a_clear_failure(workdir, run_cli):
    (workdir / "case.zip").write_bytes(b"not a zip at all")
    result = run_cli("case", "verify", "case.zip")
    assert result.exit_code == 1 and "not a readable ZIP" in result.output


def test_bundle_content_matches_the_database(case, run_cli, workdir):
    db, alert_id = case["db"], case["alert"]
    run_cli("case", "export", str(alert_id), "-o", "case.zip")
    files = _read(workdir / "case.zip")
    record = json.loads(files["alert.json"], parse_constant=lambda c: pytest.fail(f"alert.json holds {c}"))
    with db.session() as s:
        alert = s.get(Alert, alert_id)
        listing = s.get(Listing, alert.listing_id)
        seller = s.get(Seller, listing.seller_id)
        observations = s.scalars(select(PriceObservation).where(PriceObservation.listing_id == listing.id)
                                 .order_by(PriceObservation.observed_at)).all()
        snapshots = {x.sha256: x for x in s.scalars(select(Snapshot))}
        assert record["alert"]["id"] == alert.id and record["alert"]["status"] == "verified"
        assert record["alert"]["platform_answer"] == "delisted" and record["prima_facie"] is True
        assert record["listing"]["url"] == listing.url == "https://jd.example/item/J1"
        assert record["seller"] == {"platform": "jd", "seller_id": seller.seller_key, "name": "Shop J1",
                                    "license": "LIC-COMPLY", "license_set_by": "feed"}
        assert record["baseline"]["unit_price"] == alert.baseline_unit_price
        assert record["rule"]["id"] == "cn-samr-2020" and record["rule"]["citation"]
        assert record["alert"]["first_violation_at"].endswith("Z")
        assert record["rule"]["threshold_unit_price"] == pytest.approx(
            alert.baseline_unit_price * (1 + record["rule"]["threshold_pct"] / 100))
        prior = record["baseline"]["prior_price"]
        assert prior["price"] == 29.9 and prior["currency"] == "CNY" and prior["observed_at"].endswith("Z")
        rows = list(csv.DictReader(io.StringIO(files["prices.csv"].decode())))
        assert len(rows) == len(observations)
        assert [float(r["price"]) for r in rows] == [float(o.price) for o in observations]
        assert rows[0]["observed_at_utc"] == observations[0].observed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert rows[0]["observed_at_local"].endswith("UTC+08:00")
        index = {r["sha256"]: r for r in csv.DictReader(io.StringIO(files["evidence/index.csv"].decode()))}
        assert set(index) == {case["page"], case["feed"]}
        for sha, row in index.items():
            body = files[row["file"]]
            assert hashlib.sha256(body).hexdigest() == sha and row["state"] == "ok"
            assert row["url"] == snapshots[sha].url
            assert row["fetched_at_utc"] == snapshots[sha].fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert files[index[case["page"]]["file"]] == PAGE and index[case["page"]]["file"].endswith(".html")
    assert files["chart.png"].startswith(b"\x89PNG\r\n\x1a\n")
    timeline = list(csv.DictReader(io.StringIO(files["timeline.csv"].decode())))
    kinds = [r["kind"] for r in timeline]
    assert kinds[0] == "detected" and {"answered", "status", "webhook_queued", "seller_flagged"} <= set(kinds)
    answered = next(r for r in timeline if r["kind"] == "answered")
    assert answered["summary"] == "platform answered delisted"
    decision = next(r for r in timeline if r["by"] == "regulator:wang")
    assert decision["summary"] == "status delisted → verified: confirmed on inspection"
    flagged = next(r for r in timeline if r["kind"] == "seller_flagged")
    assert "tmall/tmall-s-T1" in flagged["summary"]
    queued = [r for r in timeline if r["kind"] == "webhook_queued"]
    assert {"violation.updated", "seller.flagged"} <= {json.loads(r["detail"])["event"] for r in queued}
    assert [r["at_utc"] for r in timeline] == sorted(r["at_utc"] for r in timeline)
    readme = files["README.txt"].decode()
    assert "电子数据提取笔录" in readme and "sha256sum -c SHA256SUMS" in readme


def test_seller_case_covers_the_legal_entity_on_every_platform(case, run_cli, workdir):
    db = case["db"]
    with db.session() as s:
        key = s.get(Seller, s.get(Listing, s.get(Alert, case["alert"]).listing_id).seller_id).seller_key
    result = run_cli("case", "export", "--seller", f"jd/{key}", "-o", "seller.zip")
    assert result.exit_code == 0, result.output
    files = _read(workdir / "seller.zip")
    entity = json.loads(files["seller.json"])
    assert entity["license"] == "LIC-COMPLY" and entity["platforms"] == ["jd", "tmall"]
    assert {a["seller_id"] for a in entity["accounts"]} == {key, "tmall-s-T1"}
    assert entity["seller_flagged"][0]["platform"] == "tmall"
    alerts = list(csv.DictReader(io.StringIO(files["alerts.csv"].decode())))
    assert {int(a["alert_id"]) for a in alerts} == {case["ids"]["J1"], case["ids"]["T1"]}
    for a in alerts:
        assert f"alerts/{a['alert_id']}/alert.json" in files and f"alerts/{a['alert_id']}/chart.png" in files
    assert run_cli("case", "verify", "seller.zip").exit_code == 0


def test_export_refuses_evidence_altered_in_the_store(case, run_cli):
    db = case["db"]
    path = EvidenceStore(db).path_of(case["page"])
    os.chmod(path, 0o644)
    path.write_bytes(gzip.compress(PAGE.replace(b"149.00", b"14.90")))
    result = run_cli("case", "export", str(case["alert"]), "-o", "case.zip")
    assert result.exit_code == 1 and case["page"] in result.output and "no longer matches" in result.output


def test_export_names_what_is_wrong(case, run_cli):
    assert "no alert 99999" in run_cli("case", "export", "99999", "-o", "x.zip").output
    assert "either ALERT_ID or --seller" in run_cli("case", "export", "-o", "x.zip").output
    assert "PLATFORM/SELLER_ID" in run_cli("case", "export", "--seller", "jd", "-o", "x.zip").output
    assert "no seller jd/nobody" in run_cli("case", "export", "--seller", "jd/nobody", "-o", "x.zip").output
    assert ".zip" in run_cli("case", "export", str(case["alert"]), "-o", "x.tar").output
