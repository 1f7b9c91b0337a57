"""Check feed v1 files without writing anything: the same reader and the same validation as ``ingest``.

``check_files`` streams each file through :func:`pricewatch.feed.reader.read_feed` and
:func:`pricewatch.feed.schema.validate` — the two functions ``pricewatch ingest`` runs before it writes — so a row
is reported bad here exactly when ingest would quarantine it, with the very text ingest stores in
``rejected_record.reason`` (``FILE:LINE: field: reason``). A file that cannot be read to its end (missing column,
encoding, truncated gzip) is reported with the ``FeedError`` message ingest would print; the rows before the break
are still checked and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pricewatch.errors import FeedError
from pricewatch.feed.reader import read_feed
from pricewatch.feed.schema import validate


@dataclass
class BadRow:
    file: str
    line: int
    field: str
    reason: str  # starts with the field: "price: 'abc' is not a decimal number …"

    def message(self) -> str:
        """``FILE:LINE: field: reason`` — the text ingest stores in quarantine for this row."""
        from pricewatch.ingest.writer import storable

        return storable(f"{self.file}:{self.line}: {self.reason}")


@dataclass
class FileCheck:
    file: str
    rows: int = 0
    valid: int = 0
    bad: list[BadRow] = field(default_factory=list)
    error: str | None = None  # the file could not be read to its end

    @property
    def ok(self) -> bool:
        return self.error is None and not self.bad


@dataclass
class CheckReport:
    files: list[FileCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def summary(self) -> str:
        rows = sum(f.rows for f in self.files)
        valid = sum(f.valid for f in self.files)
        bad = sum(len(f.bad) for f in self.files)
        unreadable = sum(1 for f in self.files if f.error)
        text = (f"{len(self.files)} file{'s' if len(self.files) != 1 else ''}, {rows:,} rows: {valid:,} valid, "
                f"{bad:,} bad")
        if unreadable:
            text += f"; {unreadable} file{'s' if unreadable != 1 else ''} could not be read to the end"
        return text + (" — every row is valid feed v1" if self.ok else "")


def check_chunks(chunks: Iterator, file: str, *, assume_tz: str | None = None) -> FileCheck:
    """Validate chunks from :func:`read_feed` (or frames with a ``_line`` column) as ingest would."""
    result = FileCheck(file=file)
    try:
        for chunk in chunks:
            if "_line" not in chunk.columns:
                chunk = chunk.assign(_line=range(1, len(chunk) + 1))
            checked = validate(chunk, assume_tz=assume_tz)
            result.rows += len(chunk)
            result.valid += len(checked.valid)
            rejected = checked.rejected
            result.bad.extend(BadRow(file, int(line), str(fld), str(reason)) for line, fld, reason in
                              zip(rejected["line"].tolist(), rejected["field"].tolist(), rejected["reason"].tolist()))
    except FeedError as exc:
        result.error = str(exc)
    return result


def check_file(path: str | Path, *, assume_tz: str | None = None, encoding: str = "utf-8") -> FileCheck:
    return check_chunks(read_feed(path, encoding=encoding), str(path), assume_tz=assume_tz)


def check_files(paths: Iterable[str | Path], *, assume_tz: str | None = None,
                encoding: str = "utf-8") -> CheckReport:
    """Check each file in order; nothing is written anywhere."""
    return CheckReport(files=[check_file(p, assume_tz=assume_tz, encoding=encoding) for p in paths])


__all__ = ["BadRow", "CheckReport", "FileCheck", "check_chunks", "check_file", "check_files"]
