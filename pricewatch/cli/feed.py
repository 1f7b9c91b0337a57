"""``pricewatch feed validate FILE…`` and ``pricewatch feed example``: feed v1 for platforms adopting it."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group()
def feed() -> None:
    """Feed v1, the format platforms send: check files, write an example.

    The standard: docs/feed-v1.md (columns, CSV profile, versioning) and docs/feed-v1.schema.json.
    """


@feed.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--assume-tz", metavar="ZONE", help="Accept times without zone as local times in ZONE, as "
              "`pricewatch ingest --assume-tz` would.")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of the files.")
def validate(files: tuple[Path, ...], assume_tz: str | None, encoding: str) -> None:
    """Check feed v1 files without writing anything (no database is opened).

    Prints one `FILE:LINE: field: reason` line per bad row — the same validation as `pricewatch ingest`, and the
    same text ingest would store in quarantine — then a summary. Exit status 0 when every row of every file is
    valid, 1 otherwise (a bad row, or a file that cannot be read to its end).

    \b
    Example:
      pricewatch feed validate jd-2020-01-27.csv.gz tmall.jsonl
    """
    from pricewatch.feed.check import check_file

    if assume_tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(assume_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise click.BadParameter(f"{assume_tz!r} is not an IANA time zone", param_hint="--assume-tz") from None
    from pricewatch.feed.check import CheckReport

    report = CheckReport()
    for path in files:
        result = check_file(path, assume_tz=assume_tz, encoding=encoding)
        report.files.append(result)
        for bad in result.bad:
            click.echo(bad.message())
        if result.error:
            click.echo(f"error: {result.error}", err=True)
    click.echo(report.summary(), err=not report.ok)
    if not report.ok:
        sys.exit(1)


@feed.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file (default: standard output).")
def example(fmt: str, output: Path | None) -> None:
    """Write a small valid feed v1 file: every column, CN and US listings, the optional columns filled or left out.

    \b
    Example:
      pricewatch feed example --format jsonl -o sample.jsonl && pricewatch feed validate sample.jsonl
    """
    from pricewatch.feed.example import example_text

    text = example_text(fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({text.count(chr(10)) - (1 if fmt == 'csv' else 0)} rows)", err=True)
