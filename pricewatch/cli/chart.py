"""``pricewatch chart``: one chart of a history selection (the selection options of ``pricewatch history``)."""

from __future__ import annotations

from pathlib import Path

import click

from pricewatch.cli.options import WHEN, category_choice, check_platforms, check_since_until


@click.command()
@click.option("--platform", "platforms", multiple=True, help="Platform name (repeatable).")
@click.option("--listing", "listings", multiple=True, help="The platform's listing id (repeatable).")
@click.option("--seller", "sellers", multiple=True, help="The platform's seller id (repeatable).")
@click.option("--category", "categories", multiple=True, type=category_choice(),
              help="Taxonomy id, e.g. mask.surgical (repeatable).")
@click.option("--alert", "alert_id", type=click.IntRange(min=1), help="Chart this alert's listing with its baseline "
              "and threshold (instead of a selection).")
@click.option("--since", type=WHEN, help="From this day (in the display zone) or instant.")
@click.option("--until", type=WHEN, help="Up to and including this day, or up to this instant.")
@click.option("--output", "-o", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="FILE.png or FILE.svg (the suffix picks the format).")
def chart(platforms, listings, sellers, categories, alert_id, since, until, output: Path) -> None:  # noqa: ANN001
    """Draw price history as PNG or SVG: offers' unit prices (dots), the daily median (line; a day without offers
    is a break, long gaps shaded), for several listings the daily min–max band (one panel per currency and unit),
    the emergency start, and for a single listing with an alert its baseline and threshold.

    Out-of-stock and placeholder prices are not drawn (the legend counts them). Days in the display zone.

    \b
    Examples:
      pricewatch chart --platform jd --listing 100012043978 -o listing.png
      pricewatch chart --category mask.surgical --since 2020-01-01 -o masks.svg
      pricewatch chart --seller s1 -o seller.png
      pricewatch chart --alert 42 -o alert-42.png
    """
    from pricewatch.charts import FORMATS, listing_chart, selection_chart
    from pricewatch.config import load_settings
    from pricewatch.store import open_database

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise click.BadParameter(f"{output.name}: the file name must end in .png or .svg", param_hint="--output")
    check_since_until(since, until)
    db = open_database(load_settings())
    check_platforms(db, platforms)
    if alert_id is not None:
        image = listing_chart(db, alert_id, fmt, since=since, until=until)
    elif not (platforms or listings or sellers or categories):
        raise click.UsageError("choose what to draw: --listing, --seller, --category, --platform or --alert")
    else:
        image = selection_chart(db, platforms=platforms or None, listings=listings or None, sellers=sellers or None,
                                categories=categories or None, since=since, until=until, fmt=fmt)
    output.write_bytes(image)
    click.echo(f"wrote {output} ({len(image):,} bytes)")
