"""``pricewatch evidence show|verify``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pricewatch.config import load_settings
from pricewatch.evidence import EvidenceStore
from pricewatch.store import open_database


@click.group()
def evidence() -> None:
    """Evidence: fetched pages stored compressed under their SHA-256; never modified."""


@evidence.command("show")
@click.argument("sha256")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the page (default: <sha256>.html in the current folder).")
def evidence_show(sha256: str, output: Path | None) -> None:
    """Print a snapshot's metadata and write the page back out."""
    db = open_database(load_settings())
    snapshot, body = EvidenceStore(db).get(sha256)
    output = output or Path(f"{sha256}.html")
    output.write_bytes(body)
    click.echo(json.dumps({"sha256": snapshot.sha256, "url": snapshot.url,
                           "fetched_at": snapshot.fetched_at.isoformat(), "http_status": snapshot.http_status,
                           "content_type": snapshot.content_type, "size": snapshot.size,
                           "headers": snapshot.headers, "written_to": str(output)}, ensure_ascii=False, indent=2))


@evidence.command("verify")
def evidence_verify() -> None:
    """Re-hash the whole store; exit status 1 on a missing or altered page."""
    report = EvidenceStore(open_database(load_settings())).verify()
    click.echo(f"{report.checked} snapshots: {report.ok} ok, {len(report.missing)} missing, "
               f"{len(report.mismatched)} altered")
    for sha in report.missing:
        click.echo(f"missing: {sha}")
    for sha in report.mismatched:
        click.echo(f"ALTERED: {sha} (its content no longer hashes to its name)")
    if not report.clean:
        raise SystemExit(1)
