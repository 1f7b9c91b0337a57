"""Stream a feed v1 file (CSV or JSON Lines, optionally gzip) as chunks of string columns.

Each chunk is a DataFrame of strings with a ``_line`` column: the line of the row in the decompressed file
(the CSV header is line 1). Problems with one row (a CSV row with the wrong number of fields, a JSON line that
does not parse) come out as rows with a ``_malformed`` reason so they are quarantined like any other bad row.
Problems with the file as a whole raise :class:`FeedError` with the path, and with the line when known, after
the chunks before the break have been yielded (and committed by the caller).

CSV is read with pyarrow's streaming reader: it is several times faster than pandas' C parser on wide string
tables and, unlike it, hands malformed rows to us instead of dropping them.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from pricewatch.errors import FeedError
from pricewatch.feed.schema import REQUIRED

CHUNK_ROWS = 100_000
BLOCK_BYTES = 8 << 20  # pyarrow reads this much text per batch
ENCODING_HINT = ("Chinese feeds often come in GBK: try --encoding gbk (or gb18030); "
                 "or convert the file with `iconv -f gbk -t utf-8`")


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and reports bytes consumed (for the progress bar)."""

    def __init__(self, raw, on_read: Callable[[int], None] | None):
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._on_read and n:
            self._on_read(n)
        return n


def _open_binary(path: Path, on_read: Callable[[int], None] | None):
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the returned stream
    except OSError as exc:
        raise FeedError(f"cannot open: {exc.strerror}", str(path)) from exc
    counted = io.BufferedReader(_CountingReader(raw, on_read), buffer_size=1 << 20)
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=counted, mode="rb")
    return counted


def feed_format(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "csv"


def read_feed(path: str | Path, *, encoding: str = "utf-8", chunk_rows: int = CHUNK_ROWS,
              on_read: Callable[[int], None] | None = None) -> Iterator[pd.DataFrame]:
    """Yield chunks of ``path`` (see module docstring). ``on_read(n)`` is called with compressed bytes read."""
    path = Path(path)
    if not path.exists():
        raise FeedError("no such file", str(path))
    if path.is_dir():
        raise FeedError("is a directory, not a feed file", str(path))
    stream = _open_binary(path, on_read)
    try:
        if feed_format(path) == "jsonl":
            yield from _read_jsonl(path, stream, encoding, chunk_rows)
        else:
            yield from _read_csv(path, stream, encoding, chunk_rows)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise FeedError(f"truncated or corrupt gzip data ({exc}); the rows before the break were ingested — "
                        "fetch the file again and re-run: rows already stored are skipped", str(path)) from exc
    finally:
        stream.close()


def _read_csv(path: Path, stream, encoding: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    malformed: list[tuple[int | None, str]] = []

    def on_invalid(row) -> str:
        malformed.append((row.number, f"expected {row.expected_columns} fields, found {row.actual_columns}: "
                                       f"{(row.text or '')[:200]}"))
        return "skip"  # skipped by the parser, but kept by us as a quarantined row

    header = _peek_header(path, stream, encoding)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FeedError(f"missing required column(s) {', '.join(missing)}; the header has: {', '.join(header)}. "
                        "Feed v1 needs platform, listing_id, observed_at, price, currency", str(path), 1)
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(encoding=encoding, block_size=BLOCK_BYTES, use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        raise _explain(path, exc) from exc
    except LookupError as exc:
        raise FeedError(f"unknown encoding {encoding!r}", str(path)) from exc
    line = 2  # the header is line 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            raise _explain(path, exc, line) from exc
        frame = batch.to_pandas()
        frame.columns = [c.lstrip("\ufeff").strip() for c in frame.columns]
        frame["_line"] = range(line, line + len(frame))
        line += len(frame)
        if malformed:
            frame = _with_malformed(frame, malformed)
            # malformed rows were skipped by the parser: later lines shift by one each
            line += len(malformed)
            malformed.clear()
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start:start + chunk_rows]


def _with_malformed(frame: pd.DataFrame, malformed: list[tuple[int | None, str]]) -> pd.DataFrame:
    bad = pd.DataFrame({
        "_line": [n if n is not None else -1 for n, _ in malformed],
        "_malformed": [text for _, text in malformed],
    })
    return pd.concat([frame, bad], ignore_index=True)


def _peek_header(path: Path, stream, encoding: str) -> list[str]:
    """The header's column names, read without consuming the stream."""
    head = stream.peek(1 << 16) if hasattr(stream, "peek") else b""
    first = head.split(b"\n", 1)[0]
    try:
        text = first.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FeedError(f"the header is not valid {encoding}. {ENCODING_HINT}", str(path), 1) from exc
    except LookupError as exc:
        raise FeedError(f"unknown encoding {encoding!r}", str(path)) from exc
    if not text.strip():
        raise FeedError("empty file: expected a header row naming the feed v1 columns", str(path), 1)
    import csv

    return [c.lstrip("\ufeff").strip() for c in next(csv.reader([text.rstrip("\r")]))]


def _explain(path: Path, exc: Exception, line: int | None = None) -> FeedError:
    message = str(exc)
    if "UTF8" in message or "UTF-8" in message or "decode" in message.lower():
        return FeedError(f"not valid text in the declared encoding near line {line or '?'}. {ENCODING_HINT}",
                         str(path), line)
    if "gzip" in message.lower() or "truncated" in message.lower():
        return FeedError(f"truncated or corrupt gzip data ({message})", str(path), line)
    return FeedError(f"cannot parse CSV: {message}", str(path), line)


def _read_jsonl(path: Path, stream, encoding: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="\n")
    records: list[dict] = []
    line = 0
    try:
        for line, raw in enumerate(text, start=1):
            raw = raw.strip()
            if not raw:
                continue
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                record = {k: (None if v is None else (v if isinstance(v, str) else json.dumps(v)))
                          for k, v in obj.items()}
            except ValueError as exc:
                record = {"_malformed": f"not a JSON object ({exc}): {raw[:200]}"}
            record["_line"] = line
            records.append(record)
            if len(records) >= chunk_rows:
                yield pd.DataFrame.from_records(records)
                records = []
    except UnicodeDecodeError as exc:
        if records:
            yield pd.DataFrame.from_records(records)
        raise FeedError(f"not valid {encoding} text at line {line + 1}. {ENCODING_HINT}", str(path), line + 1) from exc
    if records:
        yield pd.DataFrame.from_records(records)
