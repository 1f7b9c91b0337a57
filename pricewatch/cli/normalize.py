"""``pricewatch normalize``: category and total quantity from titles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pricewatch.errors import FeedError
from pricewatch.normalize import normalize_title, resolve_quantities


@click.command()
@click.argument("title", required=False)
@click.option("--input", "input_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="CSV with a 'title' column (and optionally 'pack_size', 'category').")
@click.option("--output", "output_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Where to write the CSV with category, quantity, quantity_unit added (row order kept).")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of the input CSV.")
@click.option("--explain", is_flag=True,
              help="Also write quantity_source (pack_size, title:<rule>, default_single) and unnormalised_reason "
                   "(no_quantity, ambiguous_options, implausible_quantity).")
def normalize(title: str | None, input_path: Path | None, output_path: Path | None, encoding: str,
              explain: bool) -> None:
    """Read category, total quantity and canonical unit (piece, ml, g) from product titles.

    With TITLE, print one JSON object: title, category, quantity, quantity_unit, quantity_source (where the
    quantity came from) and unnormalised_reason (why there is none). With --input/--output, add exactly the columns
    category, quantity and quantity_unit to a CSV (with --explain also quantity_source and unnormalised_reason);
    an unreadable quantity is left empty (never guessed). The grammar is described in docs/normalisation.md.

    \b
    Examples:
      pricewatch normalize "KN95 口罩 10只/袋×5袋"
      pricewatch normalize --input titles.csv --output titles.normalised.csv
      pricewatch normalize --input titles.csv --output titles.normalised.csv --explain
    """
    if title is not None:
        if input_path or output_path:
            raise click.UsageError("give either TITLE or --input/--output, not both")
        click.echo(json.dumps({"title": title, **normalize_title(title)}, ensure_ascii=False))
        return
    if not (input_path and output_path):
        raise click.UsageError("give a TITLE, or both --input and --output")
    import pandas as pd

    try:
        frame = pd.read_csv(input_path, dtype=str, keep_default_na=False, encoding=encoding)
    except UnicodeDecodeError as exc:
        raise FeedError(f"not valid {encoding} text; try --encoding gbk", str(input_path)) from exc
    if "title" not in frame.columns:
        raise FeedError(f"no 'title' column; the header has: {', '.join(frame.columns)}", str(input_path), 1)
    blank = frame.replace("", None)
    result = resolve_quantities(blank["title"], blank.get("pack_size"), blank.get("category"))
    frame["category"] = result["category"]
    frame["quantity"] = result["quantity"]
    frame["quantity_unit"] = result["quantity_unit"]
    if explain:
        frame["quantity_source"] = result["quantity_source"]
        frame["unnormalised_reason"] = result["unnormalised_reason"]
    frame.to_csv(output_path, index=False)
    readable = int(result["quantity"].notna().sum())
    reasons = result["unnormalised_reason"].value_counts()
    why = ", ".join(f"{count:,} {reason}" for reason, count in reasons.items())
    click.echo(f"{len(frame):,} titles: {readable:,} with a quantity, {len(frame) - readable:,} without"
               f"{f' ({why})' if why else ''}; wrote {output_path}")
