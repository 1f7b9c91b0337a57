"""``pricewatch case export`` and ``pricewatch case verify``: case bundles (pricewatch.cases, docs/cases.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pricewatch.config import load_settings


@click.group()
def case() -> None:
    """Case bundles: one ZIP per alert or seller with every record, page and hash a case file needs."""


@case.command("export")
@click.argument("alert_id", type=click.IntRange(min=1, max=2**31 - 1), required=False)
@click.option("--seller", metavar="PLATFORM/SELLER_ID",
              help="Export the seller's case instead: the legal entity (same licence) on every platform.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .zip to write (replaced if it exists).")
@click.option("--operator", help="Who extracts the case, for the extraction record (default: the login name).")
def export(alert_id: int | None, seller: str | None, output: Path, operator: str | None) -> None:
    """Write a case bundle: `case export ALERT_ID -o case.zip` or `case export --seller jd/s1 -o case.zip`.

    The bundle holds alert.json, prices.csv, chart.png, timeline.csv, every evidence page, README.txt (the
    extraction record) and a SHA-256 manifest. Record the manifest's SHA-256 printed here in the case file."""
    from pricewatch.cases import export_alert_case, export_seller_case
    from pricewatch.store import open_database

    if (alert_id is None) == (seller is None):
        raise click.UsageError("give either ALERT_ID or --seller PLATFORM/SELLER_ID")
    if output.suffix.lower() != ".zip":
        raise click.BadParameter(f"{output}: a case bundle is a .zip file", param_hint="-o/--output")
    db = open_database(load_settings())
    if alert_id is not None:
        result = export_alert_case(db, alert_id, output, operator=operator)
    else:
        platform, sep, seller_id = seller.partition("/")
        if not sep or not platform or not seller_id:
            raise click.BadParameter(f"{seller!r}: expected PLATFORM/SELLER_ID, e.g. jd/s1", param_hint="--seller")
        show = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if show:
                click.echo(f"\r  alert {done}/{total}", nl=done == total, err=True)

        result = export_seller_case(db, platform, seller_id, output, operator=operator, progress=progress)
    click.echo(f"wrote {result.path}: {len(result.alerts)} alert(s), {result.evidence} evidence page(s), "
               f"{result.files} files")
    click.echo(f"manifest.json SHA-256: {result.manifest_sha256}")
    click.echo(f"bundle SHA-256:        {result.bundle_sha256}")
    if result.missing_evidence:
        click.echo(f"warning: {len(result.missing_evidence)} evidence page(s) recorded but missing from the store: "
                   + ", ".join(result.missing_evidence), err=True)


@case.command("verify")
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--manifest-sha256", "expected", metavar="SHA256",
              help="The manifest hash recorded at export: also checks that the manifest itself is the original.")
def verify(bundle: Path, expected: str | None) -> None:
    """Check a case bundle offline; exit 0 if every file matches its SHA-256, 1 naming each altered, missing or
    added file."""
    from pricewatch.cases import verify_bundle

    if not bundle.is_file():
        raise click.ClickException(f"{bundle}: no such file")
    check = verify_bundle(bundle)
    if expected and check.manifest_sha256 and check.manifest_sha256 != expected.strip().lower():
        check.errors.append(f"manifest.json: SHA-256 {check.manifest_sha256} is not the recorded {expected}")
    if check.ok:
        subject = check.subject or {}
        what = (f"alert {subject.get('alert_id')}" if subject.get("kind") == "alert"
                else f"seller {subject.get('platform')}/{subject.get('seller_id')}")
        click.echo(f"{bundle}: OK — {check.checked} files match the manifest ({what}); "
                   f"manifest.json SHA-256 {check.manifest_sha256}")
        return
    for problem in check.problems():
        click.echo(f"{bundle}: {problem}", err=True)
    click.echo(f"{bundle}: FAILED — {len(check.problems())} problem(s)", err=True)
    sys.exit(1)
