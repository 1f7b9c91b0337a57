"""``pricewatch ingest FILE…``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pricewatch.config import load_settings
from pricewatch.ingest import DEFAULT_SOURCE, Ingestor, IngestStats
from pricewatch.store import open_database

PROGRESS_MIN_BYTES = 2 << 20  # smaller files finish before a bar is worth drawing


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", default=DEFAULT_SOURCE, show_default=True,
              help="Name recorded on each observation; the same rows from the same source are stored once.")
@click.option("--assume-tz", metavar="ZONE", help="Accept times without zone as local times in ZONE "
              "(e.g. Asia/Shanghai). Without it such rows are rejected.")
@click.option("--encoding", default="utf-8", show_default=True,
              help="Text encoding of the files (Chinese feeds are often gbk or gb18030).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on in a terminal).")
def ingest(files: tuple[Path, ...], source: str, assume_tz: str | None, encoding: str, progress: bool | None) -> None:
    """Load feed v1 files (CSV with header or JSON Lines; .gz allowed) into the database.

    Bad rows are quarantined with file, line, field and reason (`pricewatch reject list`) and the rest is
    ingested. Re-ingesting a file adds nothing. Exit status 1 when a file could not be read to its end (the rows
    before the break are kept and counted) or when every row was rejected.

    \b
    Example:
      pricewatch ingest jd-2020-01-27.csv.gz tmall.jsonl --assume-tz Asia/Shanghai
    """
    if not 0 < len(source) <= 128 or source.startswith("api:"):
        raise click.BadParameter("a source name has 1 to 128 characters and does not start with 'api:' (reserved "
                                 "for pushes through the HTTP API)", param_hint="--source")
    if assume_tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(assume_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise click.BadParameter(f"{assume_tz!r} is not an IANA time zone", param_hint="--assume-tz") from None
    db = open_database(load_settings())
    ingestor = Ingestor(db, source=source, assume_tz=assume_tz)
    total = IngestStats()
    show = progress if progress is not None else sys.stderr.isatty()
    for path in files:
        size = path.stat().st_size if path.is_file() else 0
        if show and size >= PROGRESS_MIN_BYTES:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                          TimeRemainingColumn(), transient=True) as bar:
                task = bar.add_task(path.name, total=size)
                stats = ingestor.ingest_file(path, encoding=encoding, on_read=lambda n, t=task: bar.advance(t, n))
        else:
            stats = ingestor.ingest_file(path, encoding=encoding)
        click.echo(f"{path}: {stats.summary()}")
        for error in stats.errors:
            click.echo(f"error: {error}", err=True)
        total.add(stats)
    if len(files) > 1:
        click.echo(f"total: {total.summary()}")
    if total.rejected:
        for example in total.examples:
            click.echo(f"rejected: {example}", err=True)
        click.echo(f"{total.rejected:,} rejected rows are in quarantine with their reasons: "
                   "`pricewatch reject list` shows them (--file, --reason to filter).")
    if total.all_rejected:
        click.echo("error: every row was rejected; nothing was stored", err=True)
    if total.errors or total.all_rejected:
        sys.exit(1)
