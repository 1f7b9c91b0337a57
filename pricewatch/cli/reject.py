"""``pricewatch reject list|show``: the quarantine (``rejected_record``), where every refused feed row is kept."""

from __future__ import annotations

import json

import click
from sqlalchemy import func, select

from pricewatch.config import load_settings
from pricewatch.errors import NotFound
from pricewatch.store import open_database
from pricewatch.store.models import RejectedRecord


@click.group()
def reject() -> None:
    """Quarantined feed rows: what was refused, from which file and line, and why."""


@reject.command("list")
@click.option("--file", "file_", metavar="TEXT", help="Only rows from files whose name contains TEXT.")
@click.option("--reason", metavar="TEXT", help="Only rows whose reason contains TEXT (e.g. observed_at, 'not valid').")
@click.option("--field", metavar="NAME", help="Only rows refused for this field (price, observed_at, row…).")
@click.option("--source", metavar="NAME", help="Only rows from this source (feed, api:jd…).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="Rows shown (0 = all).")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
def reject_list(file_: str | None, reason: str | None, field: str | None, source: str | None, limit: int,
                fmt: str) -> None:
    """List quarantined rows, newest first, one `FILE:LINE: field: reason` line each.

    \b
    Examples:
      pricewatch reject list --file jd-2020-01-27.csv
      pricewatch reject list --reason "outside the years" --format jsonl
    """
    db = open_database(load_settings())
    where = []
    if file_:
        where.append(RejectedRecord.file.contains(file_, autoescape=True))
    if reason:
        where.append(RejectedRecord.reason.contains(reason, autoescape=True))
    if field:
        where.append(RejectedRecord.field == field)
    if source:
        where.append(RejectedRecord.source == source)
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(RejectedRecord).where(*where))
        stmt = select(RejectedRecord).where(*where).order_by(RejectedRecord.id.desc())
        rows = s.scalars(stmt.limit(limit) if limit else stmt).all()
    if not rows:
        click.echo("no quarantined rows match" if where else "the quarantine is empty")
        return
    for r in rows:
        if fmt == "jsonl":
            click.echo(json.dumps(_record(r), ensure_ascii=False))
        else:
            click.echo(f"#{r.id} [{r.source}] {r.reason}")
    if fmt == "text" and total > len(rows):
        click.echo(f"({len(rows)} of {total:,}; --limit 0 for all, `pricewatch reject show ID` for one row)")


@reject.command("show")
@click.argument("record_id", type=click.IntRange(min=1))
def reject_show(record_id: int) -> None:
    """One quarantined row: where it came from, why it was refused, and the row as it was received."""
    db = open_database(load_settings())
    with db.session() as s:
        r = s.get(RejectedRecord, record_id)
        if r is None:
            raise NotFound(f"no quarantined row {record_id} (`pricewatch reject list` shows them)")
        record = _record(r)
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


def _record(r: RejectedRecord) -> dict:
    try:
        raw = json.loads(r.raw) if r.raw else None
    except ValueError:
        raw = r.raw
    return {"id": r.id, "source": r.source, "file": r.file, "line": r.line, "field": r.field, "reason": r.reason,
            "received_at": r.received_at.isoformat() if r.received_at else None, "raw": raw}
