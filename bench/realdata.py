"""Real public material, measured: quantities on annotated titles, price strings, alerts on a clean market, and
the built-in panel — so anyone can re-run what the real-data issue reports.

    python bench/realdata.py FOLDER [--since 2024-03-22 --until 2024-07-11] [--declare 2024-04-28] [--show 50]

FOLDER holds other people's data (never commit it). Each part runs when its material is found under FOLDER:

- ``mask_price_data.sqlite`` — agostbiro/mask-price-data (CC BY-NC): KN95 listings with pack quantities typed by
  five MTurk workers. Rakuten.de URLs carry the title in their slug (hyphens → spaces, trailing id dropped); the
  label is the quantity at least two workers gave (the most common such value). Prints coverage (a quantity found)
  and accuracy (found and equal to the label), and every failure.
- ``test_price_parsing.py`` — scrapinghub/price-parser's test table of real price strings: the share of strings
  whose amount ``pricewatch.extract.price.parse_price`` reads as the table says.
- CSV files with the header ``Date,Name,Subclass,Price,Division,Retailer`` — kvitalis/CyBPP's raw Cyprus online
  prices (a clean market: nothing there is gouging, so every alert is a false alarm). The snapshot's big quarterly
  files are missing, but older, smaller versions are in its object store: export every blob with that header
  (``git cat-file --batch-all-objects --batch-check`` → ``git cat-file -p``) into FOLDER; rows are de-duplicated
  here. Each (retailer, name) is a listing, prices are EUR, region CY. An emergency (generic preset, protective
  categories) is declared a third of the way into the period; prints the coverage report, alerts per 1,000
  evaluated listings and each alert's explanation.
- the built-in labelled panel (always): precision/recall and false-alarm rate per clean behaviour.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import importlib.util
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

CYBPP_HEADER = "Date,Name,Subclass,Price,Division,Retailer"


def find(folder: Path, pattern: str) -> list[Path]:
    """Files under ``folder`` matching ``pattern`` (symbolic links to folders are followed)."""
    import fnmatch
    import os

    out = []
    for root, _dirs, files in os.walk(folder, followlinks=True):
        out += [Path(root) / f for f in files if fnmatch.fnmatch(f, pattern)]
    return sorted(out)


# --- quantities on annotated titles -------------------------------------------------------------------------------

def rakuten_titles(sqlite_path: Path) -> pd.DataFrame:
    """url, title, label (quantity ≥ 2 workers agree on) for the Rakuten.de listings of mask-price-data."""
    con = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    rows = con.execute("SELECT h.url_param, a.quantity FROM hits h JOIN assignments a ON a.hit_id = h.hit_id "
                       "WHERE h.domain_name = 'www.rakuten.de' AND a.quantity IS NOT NULL").fetchall()
    con.close()
    votes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for url, qty in rows:
        votes[url][int(qty)] += 1
    out = []
    for url, counter in votes.items():
        agreed = [(n, q) for q, n in counter.items() if n >= 2]
        if not agreed:
            continue
        label = max(agreed)[1]
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        title = re.sub(r"-\d+$", "", slug).replace("-", " ")
        out.append((url, title, label))
    return pd.DataFrame(out, columns=["url", "title", "label"])


def quantities(sqlite_path: Path) -> None:
    from pricewatch.normalize import normalize_title

    titles = rakuten_titles(sqlite_path)
    read = [normalize_title(t) for t in titles["title"]]
    titles["quantity"] = [r["quantity"] for r in read]
    titles["source"] = [r["quantity_source"] or r["unnormalised_reason"] for r in read]
    titles["category"] = [r["category"] for r in read]
    found = titles["quantity"].notna()
    right = found & (titles["quantity"] == titles["label"])
    print(f"\n== quantities on real KN95 titles ({sqlite_path.name}, Rakuten.de, {len(titles)} titles with an agreed "
          "label) ==")
    print(f"quantity found: {found.sum()}/{len(titles)} = {found.mean():.1%} (goal ≥ 85 %)")
    print(f"right when found: {right.sum()}/{found.sum()} = {right.sum() / max(found.sum(), 1):.1%} (goal ≥ 97 %)")
    for r in titles[~right].itertuples(index=False):
        got = "none" if pd.isna(r.quantity) else f"{r.quantity:g}"
        print(f"  label {r.label:>4}  read {got:>5}  [{r.source}]  {r.title}")


# --- price strings ------------------------------------------------------------------------------------------------

def price_strings(table: Path) -> None:
    from pricewatch.extract.price import parse_price

    spec = importlib.util.spec_from_file_location("price_parser_examples", table)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # others' test table, run locally only
    examples = [e for name in dir(module) if name.startswith("PRICE_PARSING_EXAMPLES")
                for e in getattr(module, name)]
    with_amount = [e for e in examples if e.price_raw is not None and e.amount_float is not None]
    ok = 0
    misses = []
    for e in with_amount:
        parsed = parse_price(e.price_raw, currency_hint=None)
        if parsed.amount is not None and abs(parsed.amount - float(e.amount_float)) < 1e-6:
            ok += 1
        else:
            misses.append((e.price_raw, float(e.amount_float), parsed.amount))
    print(f"\n== price strings ({table.parent.parent.name}: {len(with_amount)} real strings with an amount) ==")
    print(f"amount read as the table says: {ok}/{len(with_amount)} = {ok / max(len(with_amount), 1):.1%}")
    for raw, want, got in misses[:15]:
        print(f"  {raw!r}: want {want:g}, read {got}")


# --- a clean real market ------------------------------------------------------------------------------------------

def cybpp_rows(files: list[Path]) -> pd.DataFrame:
    parts = []
    for f in files:
        try:
            parts.append(pd.read_csv(f, dtype=str, on_bad_lines="skip", encoding="utf-8-sig"))
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            print(f"  skipped {f.name}: {exc}", file=sys.stderr)
    frame = pd.concat(parts, ignore_index=True)
    frame["Date"] = pd.to_datetime(frame["Date"], errors="coerce")
    frame["Price"] = pd.to_numeric(frame["Price"], errors="coerce")
    frame = frame.dropna(subset=["Date", "Price", "Name", "Retailer"])
    frame = frame[frame["Price"] > 0]
    return frame.drop_duplicates(subset=["Date", "Name", "Retailer"])


def cybpp_feed(rows: pd.DataFrame, path: Path) -> None:
    """Feed v1 CSV: one listing per (retailer, name); observed at noon UTC of the scraped day."""
    key = (rows["Retailer"] + "\x1f" + rows["Name"]).map(lambda s: hashlib.sha1(s.encode()).hexdigest()[:12])
    feed = pd.DataFrame({
        "platform": rows["Retailer"].str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-"),
        "listing_id": key,
        "observed_at": (rows["Date"] + pd.Timedelta(hours=12)).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "price": rows["Price"].map(lambda v: f"{v:.2f}"),
        "currency": "EUR",
        "title": rows["Name"],
        "seller_id": rows["Retailer"],
        "region": "CY",
    })
    feed.to_csv(path, index=False)


def clean_market(files: list[Path], since: str | None, until: str | None, declare: str | None, show: int,
                 every_category: bool = False) -> None:
    from pricewatch.alerts.export import alerts_frame
    from pricewatch.detect import run_detection
    from pricewatch.emergency import add_emergency
    from pricewatch.ingest.run import ingest_files
    from pricewatch.store import open_database

    rows = cybpp_rows(files)
    if since:
        rows = rows[rows["Date"] >= pd.Timestamp(since)]
    if until:
        rows = rows[rows["Date"] <= pd.Timestamp(until)]
    first, last = rows["Date"].min(), rows["Date"].max()
    t0 = pd.Timestamp(declare) if declare else (first + (last - first) / 3).normalize()
    folder = Path(tempfile.mkdtemp(prefix="pw-realdata-"))
    feed = folder / "cybpp.csv"
    cybpp_feed(rows, feed)
    db = open_database(url=f"sqlite:///{folder / 'cybpp.db'}")
    started = time.perf_counter()
    stats = ingest_files(db, [feed], source="cybpp")
    from pricewatch.normalize import TAXONOMY

    add_emergency(db, name="clean-market test", jurisdiction="CY", start=t0.strftime("%Y-%m-%dT00:00:00Z"),
                  categories=list(TAXONOMY) if every_category else None)
    det = run_detection(db)
    seconds = time.perf_counter() - started
    listings = rows.groupby(["Retailer", "Name"]).ngroups
    print(f"\n== clean real market ({len(files)} CyBPP files: {len(rows):,} rows, {listings:,} listings, "
          f"{first.date()} … {last.date()}; emergency declared {t0.date()}, generic preset, "
          f"{'every category incl. other' if every_category else 'protective goods (the default)'}) ==")
    print(f"ingest: {stats.summary()}")
    for c in det.coverage["counts"]:
        print(f"  {c['status']:<14} {c['reason'] or '':<24} {c['listings']:>6,}")
    for reason, examples in det.coverage["examples"].items():
        print(f"  e.g. {reason}: " + "; ".join((e["title"] or "")[:50] for e in examples[:3]))
    alerts = alerts_frame(db)
    evaluated = det.evaluated
    per_k = f"{1000 * len(alerts) / evaluated:.2f} per 1,000 evaluated" if evaluated else \
        "no rate: nothing was evaluated (see the reasons above)"
    print(f"alerts: {len(alerts)} on {evaluated:,} listings evaluated under the emergency "
          f"(+{det.monitored:,} watched by the monitor) = {per_k} (goal ≤ 1 per 1,000) [{seconds:.1f}s]")
    by_rule = alerts.groupby("rule").size().to_dict() if len(alerts) else {}
    print(f"by rule: {by_rule or 'none'}")
    titles = dict(zip(rows["Retailer"] + "\x1f" + rows["Name"], rows["Name"]))
    keyed = {hashlib.sha1(k.encode()).hexdigest()[:12]: t for k, t in titles.items()}
    for a in alerts.head(show).itertuples(index=False):
        print(f"  #{a.alert_id} [{a.severity}] {a.platform}/{a.listing_id} «{keyed.get(a.listing_id, '')}» "
              f"{a.category} {a.rule}: {a.explanation}")


# --- the built-in panel -------------------------------------------------------------------------------------------

def panel() -> None:
    from pricewatch.evaluate import evaluate_panel, render
    from pricewatch.store import open_database

    folder = Path(tempfile.mkdtemp(prefix="pw-realdata-panel-"))
    db = open_database(url=f"sqlite:///{folder / 'panel.db'}")
    print("\n== built-in labelled panel (our own generator: proves behaviours, not accuracy) ==")
    print(render(evaluate_panel(db, workdir=folder)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder with the real material (see the module docstring)")
    parser.add_argument("--since", help="clean market: first day (ISO date)")
    parser.add_argument("--until", help="clean market: last day (ISO date)")
    parser.add_argument("--declare", help="clean market: declaration day (default: a third of the way in)")
    parser.add_argument("--show", type=int, default=50, help="clean market: alerts to print (default 50)")
    parser.add_argument("--no-panel", action="store_true", help="skip the built-in panel")
    args = parser.parse_args()
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    for path in find(args.folder, "mask_price_data.sqlite")[:1]:
        quantities(path)
    for path in find(args.folder, "test_price_parsing.py")[:1]:
        price_strings(path)
    cybpp = [p for p in find(args.folder, "*.csv") if _header(p).startswith(CYBPP_HEADER)]
    if cybpp:
        # the default scope (protective goods), then the whole catalogue: a clean market must stay quiet either way
        clean_market(cybpp, args.since, args.until, args.declare, args.show)
        clean_market(cybpp, args.since, args.until, args.declare, args.show, every_category=True)
    if not args.no_panel:
        panel()


def _header(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            return f.readline().strip()
    except OSError:
        return ""


if __name__ == "__main__":
    main()
