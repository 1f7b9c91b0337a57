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

import codecs
import io
import json
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from pricewatch.errors import FeedError
from pricewatch.feed.schema import EXTRAS, OPTIONAL, REQUIRED

CHUNK_ROWS = 100_000
BLOCK_BYTES = 8 << 20  # pyarrow reads this much text per batch
SHORT_HINT = "Convert the file to UTF-8, or name its encoding (Chinese feeds: --encoding gbk)"
KNOWN = frozenset((*REQUIRED, *OPTIONAL, *EXTRAS))
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


class _BufferedStream(io.RawIOBase):
    """A raw stream that hands out bytes a subclass prepared in ``_pending`` (refilled by ``_fill``); keeps a
    ``problem`` to report after the rows, and closes the stream it wraps."""

    def __init__(self, raw):
        self._raw = raw
        self._pending = b""
        self._done = False
        self.problem: str | None = None

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        raise NotImplementedError

    def readinto(self, buffer) -> int:
        self._fill()
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Gunzip(_BufferedStream):
    """Decompresses gzip members one after another and stops cleanly at what is not gzip.

    ``gzip.GzipFile`` raises in the middle of the last block when a file ends in garbage or is cut short, and
    the reader above it loses the whole block. Here the complete lines come out first; the problem is kept in
    ``problem`` (raised by ``read_feed`` after the rows). On a truncated stream the text after the last newline
    is held back: it is the beginning of a row whose end is missing, not a row.
    """

    def __init__(self, raw):
        super().__init__(raw)  # _pending: decompressed complete lines, not yet handed out
        self._inflate = zlib.decompressobj(wbits=31)
        self._tail = b""  # decompressed text after the last newline

    def _fill(self) -> None:
        while not self._pending and not self._done:
            data = self._raw.read(1 << 16)
            if not data:
                self._done = True
                if self._inflate.eof:
                    self._pending, self._tail = self._tail, b""
                else:
                    self.problem = ("truncated or corrupt gzip data: the file ends in the middle of a compressed "
                                    "block; the complete rows before the break were ingested — fetch the file "
                                    "again and re-run: rows already stored are skipped")
                return
            out = b""
            pos = 0
            try:
                # in small steps, so that damage costs the rows after it and not a whole 64 KB of input
                while pos < len(data):
                    out += self._inflate.decompress(data[pos:pos + 4096])
                    pos += 4096
                    if not self._inflate.eof:
                        continue
                    rest = self._inflate.unused_data + data[pos:]
                    if not rest:
                        break
                    if not rest.startswith(b"\x1f\x8b"):
                        self.problem = (f"{len(rest)} bytes of trailing data after the gzip stream were ignored "
                                        "(not gzip); every row before them was read — check how the file was "
                                        "written")
                        self._pending, self._tail = self._tail + out, b""
                        self._done = True
                        return
                    self._inflate = zlib.decompressobj(wbits=31)  # the next gzip member
                    data, pos = rest, 0
            except zlib.error as exc:
                self.problem = (f"truncated or corrupt gzip data ({exc}); the complete rows before the damage were "
                                "ingested — fetch the file again and re-run: rows already stored are skipped")
                self._done = True
                cut = (self._tail + out).rfind(b"\n") + 1
                self._pending, self._tail = (self._tail + out)[:cut], b""
                return
            # hand out complete lines only: the text after the last newline waits for the rest of its row
            text = self._tail + out
            cut = text.rfind(b"\n") + 1
            self._pending, self._tail = text[:cut], text[cut:]


# A byte that is not valid in the declared encoding becomes U+10FF00 + byte (the last block of plane 16's private
# use area, which no feed text uses): valid UTF-8 for pyarrow, and found again here to reject the row holding it.
_MARK_BASE = 0x10FF00
_MARKED = re.compile("[\U0010FF00-\U0010FFFF]")
_MARK_PREFIX = b"\xf4\x8f"  # the UTF-8 encoding of every marker starts with these bytes


def _mark_invalid(error: UnicodeDecodeError) -> tuple[str, int]:
    return "".join(chr(_MARK_BASE + b) for b in error.object[error.start:error.end]), error.end


codecs.register_error("pricewatch-mark", _mark_invalid)


def _first_marked(text: str) -> tuple[int, int] | None:
    """(original byte, 1-based position) of the first byte that was not valid text, or None."""
    found = _MARKED.search(text)
    return None if found is None else (ord(found.group()) - _MARK_BASE, found.start() + 1)


def _unmarked(text: str) -> str:
    """``text`` with marked bytes shown as ``\\xNN``."""
    return _MARKED.sub(lambda m: f"\\x{ord(m.group()) - _MARK_BASE:02x}", text)


class _Transcode(_BufferedStream):
    """Re-encodes a text stream in ``encoding`` as UTF-8, one chunk at a time, marking invalid bytes (above)."""

    def __init__(self, raw, encoding: str):
        super().__init__(raw)
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="pricewatch-mark")
        self.encoding = encoding

    def _fill(self) -> None:
        while not self._pending and not self._done:
            data = self._raw.read(1 << 16)
            self._done = not data
            try:
                self._pending = self._decoder.decode(data, final=self._done).encode("utf-8")
            except UnicodeError as exc:  # a codec that gives up on the stream (UTF-16 without a BOM…)
                self.problem = f"cannot decode the file as {self.encoding}: {exc}. {ENCODING_HINT}"
                self._done = True


def _open_binary(path: Path, on_read: Callable[[int], None] | None):
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the returned stream
    except OSError as exc:
        raise FeedError(f"cannot open: {exc.strerror}", str(path)) from exc
    counted = io.BufferedReader(_CountingReader(raw, on_read), buffer_size=1 << 20)
    if path.suffix == ".gz":
        gunzip = _Gunzip(counted)
        return io.BufferedReader(gunzip, buffer_size=1 << 20), gunzip
    return counted, None


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
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise FeedError(f"unknown encoding {encoding!r}; use a Python codec name such as utf-8, gbk, gb18030, "
                        "latin-1", str(path)) from exc
    stream, gunzip = _open_binary(path, on_read)
    try:
        if _gzip_magic(stream) and path.suffix != ".gz":
            raise FeedError("the file is gzip-compressed but its name does not end in .gz: rename it to "
                            f"{path.name}.gz", str(path), 1)
        # every stream goes through the transcoder, UTF-8 too: a malformed row with an invalid byte would make
        # pyarrow's invalid-row handler itself fail, and the whole file with it
        transcode = _Transcode(stream, codec)
        stream = io.BufferedReader(transcode, buffer_size=1 << 20)
        try:
            if feed_format(path) == "jsonl":
                yield from _read_jsonl(path, stream, codec, chunk_rows)
            else:
                yield from _read_csv(path, stream, codec, chunk_rows)
        except FeedError:
            if transcode.problem:  # the cause, not its symptom ("empty file")
                raise FeedError(transcode.problem, str(path)) from None
            raise
        problem = (gunzip.problem if gunzip is not None else None) or transcode.problem
        if problem:
            raise FeedError(problem, str(path))
    finally:
        stream.close()


def _gzip_magic(stream) -> bool:
    head = stream.peek(2)[:2] if hasattr(stream, "peek") else b""
    return head == b"\x1f\x8b"


def _read_csv(path: Path, stream, encoding: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    malformed: list[tuple[int | None, str]] = []

    def on_invalid(row) -> str:
        malformed.append((row.number, f"expected {row.expected_columns} fields, found {row.actual_columns}: "
                                       f"{_printable(row.text or '')[:200]}"))
        return "skip"  # skipped by the parser, but kept by us as a quarantined row

    header = _peek_header(path, stream)
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FeedError(f"missing required column(s) {', '.join(missing)}; the header has: "
                        f"{', '.join(_printable(h) for h in header)}. "
                        "Feed v1 needs platform, listing_id, observed_at, price, currency", str(path), 1)
    twice = sorted({name for name in header if header.count(name) > 1 and name in KNOWN})
    if twice:
        raise FeedError(f"the header names {', '.join(twice)} more than once: keep one column of each name "
                        "(which value counts would be a guess)", str(path), 1)
    try:
        # Values are read as bytes and decoded here, column by column: one row with a byte that is not UTF-8
        # is then that row's problem, not the file's (pyarrow's string conversion fails the whole block).
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES, use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.binary() for name in header},
                                                 strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        raise _explain(path, exc) from exc
    names = [c.lstrip("\ufeff").strip() for c in reader.schema.names]
    keep = [i for i, name in enumerate(names) if name not in names[:i]]  # an unknown column twice: first one
    line = 2  # the header is line 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            raise _explain(path, exc, line) from exc
        frame = _decode(batch, names, keep, encoding)
        frame["_line"] = range(line, line + len(frame))
        line += len(frame)
        if malformed:
            frame = _with_malformed(frame, malformed)
            # malformed rows were skipped by the parser: later lines shift by one each
            line += len(malformed)
            malformed.clear()
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start:start + chunk_rows]


def _decode(batch, names: list[str], keep: list[int], encoding: str) -> pd.DataFrame:
    """A batch of binary columns as strings; a value holding a byte that was not valid text marks its row
    ``_malformed`` (the transcoder made such bytes markers, see ``_mark_invalid``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns: dict[str, pd.Series] = {}
    bad = pd.Series(pd.NA, index=range(batch.num_rows), dtype="object")
    for i in keep:
        values = batch.column(i)
        text = values.cast(pa.string()).to_pandas()  # Arrow-backed text, as validate() wants it
        columns[names[i]] = text
        if not pc.any(pc.match_substring(values, _MARK_PREFIX)).as_py():
            continue
        # the slow path, only for a column that holds invalid text in this batch
        for n, value in text.items():
            where = _first_marked(value)
            if where is not None and pd.isna(bad[n]):
                bad[n] = (f"{_printable(names[i])}: byte 0x{where[0]:02X} at position {where[1]} is not valid "
                          f"{encoding}: {_printable(value)[:80]!r}. {SHORT_HINT}")
    frame = pd.DataFrame(columns)
    if bad.notna().any():
        frame["_malformed"] = bad
    return frame


def _printable(text: str) -> str:
    """``text`` safe to print and store: invalid bytes, lone surrogates and NUL shown as escapes."""
    if text.isascii() and "\x00" not in text:
        return text
    return (_unmarked(text).encode("utf-8", errors="backslashreplace").decode("utf-8")
            .replace("\x00", "\\x00"))


def _with_malformed(frame: pd.DataFrame, malformed: list[tuple[int | None, str]]) -> pd.DataFrame:
    bad = pd.DataFrame({
        "_line": [n if n is not None else -1 for n, _ in malformed],
        "_malformed": [text for _, text in malformed],
    })
    return pd.concat([frame, bad], ignore_index=True)


def _peek_header(path: Path, stream) -> list[str]:
    """The header's column names (the stream is UTF-8 by now), read without consuming the stream."""
    import csv

    head = stream.peek(1 << 16) if hasattr(stream, "peek") else b""
    first = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[0]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FeedError(f"the header is not valid text in the declared encoding. {ENCODING_HINT}",
                        str(path), 1) from exc
    if not text.strip():
        raise FeedError("empty file: expected a header row naming the feed v1 columns", str(path), 1)
    if _first_marked(text):
        raise FeedError(f"the header is not valid text in the declared encoding: {_printable(text)[:120]}. "
                        f"{ENCODING_HINT}", str(path), 1)
    try:
        return [c.lstrip("\ufeff").strip() for c in next(csv.reader([text]))]
    except csv.Error as exc:
        raise FeedError(f"cannot read the header row ({exc})", str(path), 1) from exc


def _explain(path: Path, exc: Exception, line: int | None = None) -> FeedError:
    message = str(exc)
    where = f"in the block starting at line {line}" if line else "at the start of the file"
    if "UTF8" in message or "UTF-8" in message or "decode" in message.lower():
        return FeedError(f"not valid text in the declared encoding {where}. {ENCODING_HINT}", str(path), line)
    return FeedError(f"cannot parse CSV {where}: {message}; the rows before it were ingested", str(path), line)


MAX_JSON_DEPTH = 64


def _json_record(raw: str) -> dict:
    """One JSON line as feed fields (strings, None), or ``{"_malformed": reason}``."""
    if _too_deep(raw):
        return {"_malformed": f"JSON nested more than {MAX_JSON_DEPTH} levels deep: {_printable(raw[:200])}"}
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return {"_malformed": f"not a JSON object ({exc}): {_printable(raw[:200])}"}
    if not isinstance(obj, dict):
        return {"_malformed": f"not a JSON object (a JSON {type(obj).__name__}): {_printable(raw[:200])}"}
    record = {}
    for k, v in obj.items():
        if k in ("_line", "_malformed"):
            continue  # our own bookkeeping names: never taken from the input
        if v is None or isinstance(v, str):
            record[k] = v
        elif isinstance(v, bool):
            record[k] = json.dumps(v)  # true/false, never accepted as a number
        elif isinstance(v, int | float):
            record[k] = repr(v) if isinstance(v, float) and v == v and abs(v) != float("inf") else json.dumps(v)
        else:
            record[k] = json.dumps(v, ensure_ascii=False)
    return record


def _too_deep(raw: str) -> bool:
    """Cheap pre-check: more than MAX_JSON_DEPTH brackets open at once (json would recurse)."""
    if raw.count("[") + raw.count("{") <= MAX_JSON_DEPTH:
        return False
    return nesting_depth(raw, MAX_JSON_DEPTH) > MAX_JSON_DEPTH


def nesting_depth(text: str, stop: int) -> int:
    """How deeply JSON ``text`` nests arrays and objects (brackets inside strings ignored); counting stops just
    past ``stop``. Linear, never recursive: safe on input that would make ``json.loads`` recurse."""
    depth = deepest = 0
    for token in _BRACKETS.finditer(text):
        ch = token.group()
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop:
                    break
        elif ch in "]}":
            depth -= 1
    return deepest


_BRACKETS = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def _frame(records: list[dict]) -> pd.DataFrame:
    """Records as object columns: pandas would infer Arrow strings, which cannot hold a lone surrogate."""
    return pd.DataFrame(records, dtype=object)


def _lines(stream) -> Iterator[bytes]:
    """Lines ending in \\n, \\r\\n or a lone \\r (JSON text never holds a raw CR, so splitting there is safe)."""
    for raw in stream:
        body = raw.rstrip(b"\r\n")
        if b"\r" in body:
            yield from body.split(b"\r")
        else:
            yield body


def _read_jsonl(path: Path, stream, encoding: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
    # Lines are split on \n only (str.splitlines would also split inside values at \u2028, \x85…) and decoded
    # one by one, so a line that is not valid text is that line's problem.
    records: list[dict] = []
    line = 0
    for raw_bytes in _lines(stream):
        line += 1
        if line == 1 and raw_bytes.startswith(b"\xef\xbb\xbf"):
            raw_bytes = raw_bytes[3:]  # a UTF-8 byte order mark
        raw = raw_bytes.decode("utf-8").strip()  # valid: the transcoder marked what was not
        if not raw:
            continue
        where = _first_marked(raw) if _MARK_PREFIX in raw_bytes else None
        if where is not None:
            record = {"_malformed": f"byte 0x{where[0]:02X} at position {where[1]} is not valid {encoding}: "
                                    f"{_printable(raw)[:200]}. {SHORT_HINT}"}
        else:
            record = _json_record(raw)
        record["_line"] = line
        records.append(record)
        if len(records) >= chunk_rows:
            yield _frame(records)
            records = []
    if records:
        yield _frame(records)
