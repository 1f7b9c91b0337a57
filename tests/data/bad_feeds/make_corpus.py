"""Writes the corpus of malformed feed files beside this script, and ``manifest.json`` with what each must give.

Each file holds a few valid rows (listing ids unique to the file) and one kind of damage. The manifest says, per
file, how many valid rows must be stored (``valid``), how many rows the summary must count (``rows``, when the
damage leaves the row count well defined) and whether the file must end in a one-line error (``error``: a phrase
of it). Run ``python tests/data/bad_feeds/make_corpus.py`` after changing it; the files are committed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

HERE = Path(__file__).parent
HEADER = ["platform", "listing_id", "observed_at", "price", "currency", "seller_id", "seller_name", "title",
          "pack_size", "shipping", "availability", "region"]
manifest: dict[str, dict] = {}


def good_rows(tag: str, n: int = 3) -> list[dict]:
    return [{"platform": "jd", "listing_id": f"{tag}-{i}",
             "observed_at": f"2020-01-{1 + i % 28:02d}T{i // 28 % 24:02d}:00:00+08:00",
             "price": f"{29.9 + i:.2f}", "currency": "CNY", "seller_id": f"s-{tag}", "seller_name": "好药师",
             "title": "医用外科口罩 50只/盒", "pack_size": "", "shipping": "0", "availability": "in_stock",
             "region": "CN"} for i in range(n)]


def csv_line(values: list[str]) -> str:
    out = []
    for v in values:
        if any(c in v for c in ',"\n\r'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return ",".join(out)


def csv_bytes(rows: list[dict], header: list[str] = HEADER, newline: str = "\n") -> bytes:
    lines = [csv_line(header)] + [csv_line([str(r.get(h, "")) for h in header]) for r in rows]
    return (newline.join(lines) + newline).encode("utf-8", errors="surrogatepass")


def jsonl_bytes(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8", errors="surrogatepass")


def emit(name: str, data: bytes, *, valid: int, rows: int | None = None, error: str | None = None) -> None:
    (HERE / name).write_bytes(data)
    manifest[name] = {"valid": valid, "rows": rows, "error": error}


def bad_row(tag: str, **fields: str) -> dict:
    row = good_rows(tag, 1)[0] | {"listing_id": f"{tag}-bad"}
    row.update(fields)
    return row


def both(stem: str, tag: str, bad: list[dict], *, valid: int = 3) -> None:
    """One CSV and one JSONL file: three valid rows with ``bad`` rows in the middle."""
    for kind, write in (("csv", csv_bytes), ("jsonl", jsonl_bytes)):
        good = good_rows(tag + kind)
        rows = good[:2] + [row | {"listing_id": row["listing_id"].replace(tag, tag + kind, 1)} for row in bad] \
            + good[2:]
        emit(f"{stem}.{kind}", write(rows), valid=valid, rows=len(rows))


BAD_INSTANTS = [
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1677-09-21T00:12:43Z", "1677-01-01T00:00:00Z",
    "2262-04-11T23:47:17Z", "2262-04-12T00:00:00Z", "2263-01-01T00:00:00+08:00", "1000-06-15T12:00:00-05:00",
    "0000-01-01T00:00:00Z", "99999-01-01T00:00:00Z", "2020-13-45T00:00:00Z", "2020-02-30T10:00:00Z",
    "2020-01-01T25:00:00Z", "2020-01-01T10:61:00Z", "2020-01-01T10:00:00+25:00", "yesterday", "now",
    "2020-01-01", "2020-01-01T10:00:00", "20200101", "1e10", "NaN", "-2020-01-01T00:00:00Z", "T10:00:00Z",
    "2020-01-01T10:00:00ZZ", "١٩٩٠-٠١-٠١T00:00:00Z", "2020-01-01T10:00:00 +08:00:00:00",
    "9" * 400, "2020-01-01T10:00:00Z\x00",
]
for i, value in enumerate(BAD_INSTANTS):
    both(f"instant_{i:02d}", f"in{i}", [bad_row(f"in{i}", observed_at=value)])

BAD_PRICES = ["100000000000000", "1" + "0" * 399, "9" * 400, "99999999999999999.5", "0", "0.00", "0.00001",
              "-1", "1,5", "$5", "NaN", "inf", "Infinity", "1e3", "1.2.3", "٣", " ", "0x10", "1_000", "+5",
              "5.", ".5"]
for i, value in enumerate(BAD_PRICES):
    both(f"price_{i:02d}", f"pr{i}", [bad_row(f"pr{i}", price=value)])
for i, value in enumerate(["100000000000000", "9" * 400, "-0.01"]):
    both(f"shipping_{i:02d}", f"sh{i}", [bad_row(f"sh{i}", shipping=value)])

TEXT_FIELDS = ["platform", "listing_id", "seller_id", "seller_name", "title", "currency", "pack_size",
               "availability", "region"]
for name in TEXT_FIELDS:
    both(f"nul_{name}", f"nul{name}", [bad_row(f"nul{name}", **{name: "ab\x00cd"})])
LIMITS = {"platform": 64, "listing_id": 256, "seller_id": 128, "seller_name": 256, "pack_size": 64}
for name, most in LIMITS.items():
    both(f"long_{name}", f"long{name}", [bad_row(f"long{name}", **{name: "x" * (most + 1)})])
    # exactly at the limit is valid
    if name == "listing_id":
        for kind, write in (("csv", csv_bytes), ("jsonl", jsonl_bytes)):
            rows = good_rows(f"lim{kind}") + [bad_row("x", listing_id=(f"lim{kind}" + "z" * most)[:most])]
            emit(f"limit_listing_id.{kind}", write(rows), valid=4, rows=4)
        continue
    at_limit = bad_row(f"lim{name}", **{name: "y" * most})
    if name == "platform":
        at_limit["platform"] = "p" * most
    both(f"limit_{name}", f"lim{name}", [at_limit], valid=4)
for i, value in enumerate(["", " ", "UNKNOWN_COLUMN"]):
    both(f"missing_required_{i}", f"mr{i}", [bad_row(f"mr{i}", platform=value if value != "UNKNOWN_COLUMN" else "")])

# encodings: one row with bytes that are not UTF-8, in several columns and forms
BAD_BYTES = [b"\xe9", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf5\x80\x80\x80", b"\x80", b"\xfe\xff"]
for i, raw in enumerate(BAD_BYTES):
    for column in ("title", "seller_name", "price"):
        for kind, write in (("csv", csv_bytes), ("jsonl", jsonl_bytes)):
            tag = f"enc{i}{column[:2]}{kind}"
            good = good_rows(tag)
            marker = "MARKER"
            rows = good[:2] + [bad_row(tag, **{column: marker})] + good[2:]
            emit(f"encoding_{i}_{column}.{kind}", write(rows).replace(marker.encode(), b"x" + raw + b"y"),
                 valid=3, rows=4)
latin = csv_bytes(good_rows("latin")) + "jd,latin-x,2020-01-20T10:00:00Z,5.00,EUR,s,Café Müller,Masque FFP2,,,,FR\n".encode("latin-1")
emit("latin1_row.csv", latin, valid=3, rows=4)
# every row has a Latin-1 byte: all rejected (and `pricewatch ingest` exits 1 saying so)
emit("latin1_everywhere.csv", csv_bytes(good_rows("lat2")).decode().replace("好药师", "Müller").encode("latin-1", "replace"),
     valid=0, rows=3)
emit("bad_header_bytes.csv", b"platform,listing_id,observed_at,price,currency,\xff\n"
     + b"jd,bh-1,2020-01-20T10:00:00Z,9.90,CNY,x\n", valid=0, error="header")
emit("utf16.csv", csv_bytes(good_rows("u16")).decode().encode("utf-16"), valid=0, error="header")
emit("bom.csv", b"\xef\xbb\xbf" + csv_bytes(good_rows("bomc")), valid=3, rows=3)
emit("bom.jsonl", b"\xef\xbb\xbf" + jsonl_bytes(good_rows("bomj")), valid=3, rows=3)
emit("bom_twice.jsonl", b"\xef\xbb\xbf" + jsonl_bytes(good_rows("bomt"))[:0] + b"\xef\xbb\xbf"
     + jsonl_bytes(good_rows("bomt")), valid=2, rows=3)

# structure
emit("cr_only.csv", csv_bytes(good_rows("cr"), newline="\r"), valid=3, rows=3)
emit("crlf.csv", csv_bytes(good_rows("crlf"), newline="\r\n"), valid=3, rows=3)
emit("cr_only.jsonl", jsonl_bytes(good_rows("crj")).replace(b"\n", b"\r"), valid=3, rows=3)
emit("crlf.jsonl", jsonl_bytes(good_rows("crlfj")).replace(b"\n", b"\r\n"), valid=3, rows=3)
mixed = csv_bytes(good_rows("mix", 4))
emit("mixed_endings.csv", mixed.replace(b"\n", b"\r", 2), valid=4, rows=4)
emit("no_final_newline.csv", csv_bytes(good_rows("nfn")).rstrip(b"\n"), valid=3, rows=3)
emit("no_final_newline.jsonl", jsonl_bytes(good_rows("nfnj")).rstrip(b"\n"), valid=3, rows=3)
emit("blank_lines.csv", csv_bytes(good_rows("bl")).replace(b"\n", b"\n\n\n"), valid=3, rows=3)
emit("blank_lines.jsonl", jsonl_bytes(good_rows("blj")).replace(b"\n", b"\n  \n\n"), valid=3, rows=3)
for name in ("price", "platform", "observed_at", "seller_id"):
    emit(f"duplicate_header_{name}.csv", csv_bytes(good_rows(f"dh{name}"), header=HEADER + [name]),
         valid=0, error="more than once")
emit("duplicate_header_unknown.csv",
     csv_bytes(good_rows("dhu"), header=HEADER + ["note", "note"]), valid=3, rows=3)
for name in ("platform", "price", "currency", "observed_at", "listing_id"):
    emit(f"missing_column_{name}.csv", csv_bytes(good_rows(f"mc{name}"), header=[h for h in HEADER if h != name]),
         valid=0, error="missing required column")
emit("header_only.csv", csv_bytes([]), valid=0, rows=0)
emit("empty.csv", b"", valid=0, error="empty file")
emit("empty.jsonl", b"", valid=0, rows=0)
emit("whitespace.csv", b"   \n\n", valid=0, error="empty file")
emit("header_with_quotes.csv", b'"platform","listing_id","observed_at","price","currency"\n'
     b'"jd","hq-1","2020-01-20T10:00:00Z","9.90","CNY"\n', valid=1, rows=1)
emit("header_unbalanced_quote.csv", b'platform,listing_id,observed_at,price,"currency\n', valid=0, error="header")
good = csv_bytes(good_rows("few")).split(b"\n")
emit("too_few_fields.csv", b"\n".join(good[:2] + [b"jd,few-x,2020-01-20T10:00:00Z"] + good[2:]), valid=3, rows=4)
good = csv_bytes(good_rows("many")).split(b"\n")
emit("too_many_fields.csv", b"\n".join(good[:2] + [good[1].replace(b"many-0", b"many-y") + b",extra,extra"]
                                       + good[2:]), valid=3, rows=4)
emit("unclosed_quote_last.csv", csv_bytes(good_rows("uq")) + b'jd,uq-x,2020-01-20T10:00:00Z,"9.90,CNY\n',
     valid=3, rows=4)
emit("quoted_newline_in_title.csv", csv_bytes(good_rows("qn")[:2] + [good_rows("qn")[2] | {"title": "口罩\n50只"}]),
     valid=3, rows=3)
emit("line_separators_in_values.csv",
     csv_bytes(good_rows("ls")[:2] + [good_rows("ls")[2] | {"title": "a\u2028b\x85c\x1ed"}]), valid=3, rows=3)
emit("line_separators_in_values.jsonl",
     jsonl_bytes(good_rows("lsj")[:2] + [good_rows("lsj")[2] | {"title": "a\u2028b\x85c\x1ed"}]), valid=3, rows=3)
emit("line_separators_in_bad_row.jsonl",
     jsonl_bytes(good_rows("lsb") + [bad_row("lsb", title="a\u2028b\x85c", price="x")]), valid=3, rows=4)

# JSON Lines that are not objects, or not JSON
g = jsonl_bytes(good_rows("js")).split(b"\n")
NOT_OBJECTS = [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
               b"[" * 70 + b"]" * 70, b'{"platform": ' + b"[" * 65 + b"]" * 65 + b"}", b"[1,2,3]", b"42", b'"text"',
               b"null", b"true", b"{", b'{"platform": "jd",}', b"{'platform': 'jd'}", b'{"price": NaN}',
               b'{"a": 1} {"b": 2}', b"\x00\x00\x00", b'{"platform": "jd", "listing_id": "x"' + b" " * 10000,
               b'{"_line": 999999, "_malformed": "self-declared"}', b"\xff\xfe{}", b'{"price": 1e400}']
for i, line in enumerate(NOT_OBJECTS):
    emit(f"jsonl_not_object_{i:02d}.jsonl", b"\n".join(g[:2] + [line] + g[2:]).replace(b"js-", f"j{i}-".encode()),
         valid=3, rows=4)
SURROGATES = [("title", "\\ud800"), ("seller_name", "x\\udfffy"), ("listing_id", "\\ud83d"), ("platform", "\\udc00"),
              ("price", "\\ud800")]
for i, (name, escape) in enumerate(SURROGATES):
    rows = good_rows(f"su{i}")
    text = jsonl_bytes(rows[:2]) + json.dumps(bad_row(f"su{i}", **{name: "SURR"})).replace("SURR", escape).encode() \
        + b"\n" + jsonl_bytes(rows[2:])
    emit(f"surrogate_{name}.jsonl", text, valid=3, rows=4)
emit("surrogate_pair_is_valid.jsonl",
     jsonl_bytes(good_rows("sp")[:2]) + json.dumps(bad_row("sp", title="mask \\ud83d\\ude37")).replace("\\\\", "\\").encode()
     + b"\n", valid=3, rows=3)
for i, (field, value) in enumerate([("price", 29.9), ("price", 30), ("shipping", 0), ("price", True),
                                    ("price", [1]), ("price", {"v": 1}), ("price", None), ("listing_id", 12345),
                                    ("title", {"zh": "口罩"}), ("observed_at", 1579485600)]):
    row = bad_row(f"ty{i}")
    row[field] = value
    valid = 4 if (field, value) in (("price", 29.9), ("price", 30), ("shipping", 0), ("listing_id", 12345),
                                    ("title", {"zh": "口罩"})) else 3
    emit(f"json_types_{i}.jsonl", jsonl_bytes(good_rows(f"ty{i}") + [row]), valid=valid, rows=4)

# gzip
body = csv_bytes(good_rows("gz", 5))
emit("trailing_garbage.csv.gz", gzip.compress(body) + b"this is not gzip\n", valid=5, rows=5, error="trailing")
emit("trailing_zeros.csv.gz", gzip.compress(body.replace(b"gz-", b"gy-")) + b"\x00" * 512, valid=5, rows=5,
     error="trailing")
emit("two_members.csv.gz", gzip.compress(body.replace(b"gz-", b"g2-")) +
     gzip.compress(b"jd,g2-x,2020-01-20T10:00:00Z,9.90,CNY,,,,,,,\n"), valid=6, rows=6)
big = csv_bytes(good_rows("gt", 2000))
comp = gzip.compress(big)
emit("truncated.csv.gz", comp[: len(comp) // 2], valid=-1, error="truncated")
emit("truncated.jsonl.gz", gzip.compress(jsonl_bytes(good_rows("gtj", 2000)))[:4000], valid=-1, error="truncated")
corrupt = bytearray(gzip.compress(csv_bytes(good_rows("gc", 2000))))
corrupt[len(corrupt) // 2] ^= 0xFF
# a flipped byte: what inflates before zlib notices is garbage that may even parse; only the error is sure
emit("corrupt_middle.csv.gz", bytes(corrupt), valid=-2, error="gzip")
emit("not_gzip.csv.gz", body.replace(b"gz-", b"ng-"), valid=0, error="gzip")
emit("gzip_named_csv.csv", gzip.compress(body.replace(b"gz-", b"gn-")), valid=0, error=".gz")
emit("empty.csv.gz", gzip.compress(b""), valid=0, error="empty file")
emit("zero_bytes.csv.gz", b"", valid=0, error="empty file")
emit("trailing_garbage.jsonl.gz", gzip.compress(jsonl_bytes(good_rows("gzj", 4))) + b"\xde\xad\xbe\xef",
     valid=4, rows=4, error="trailing")

(HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
print(f"{len(manifest)} files")
