"""``pricewatch emergency add|list``."""

from __future__ import annotations

import click

from pricewatch.cli.options import JURISDICTION, WHEN, check_since_until
from pricewatch.config import load_settings
from pricewatch.emergency import add_emergency, emergencies_frame
from pricewatch.store import open_database


@click.group()
def emergency() -> None:
    """Declared emergencies: they switch a jurisdiction's price-gouging rules on."""


@emergency.command("add")
@click.option("--name", required=True, help="Name of the declaration.")
@click.option("--jurisdiction", required=True, type=JURISDICTION,
              help="ISO 3166 code or prefix: CN, US, US-CA, US-NY-NYC.")
@click.option("--start", required=True, type=WHEN, help="Declaration date or instant (dates: display zone).")
@click.option("--end", type=WHEN, help="End of the emergency (open-ended when absent).")
@click.option("--categories", metavar="A,B", help="Taxonomy ids covered (all when absent).")
@click.option("--rules", metavar="PRESET", help="Rule preset (default: by jurisdiction, else generic).")
@click.option("--baseline-date", type=WHEN, help="Date whose prices are the baseline, when the declaration sets one "
              "(California SB 1196); default: the start.")
def emergency_add(name, jurisdiction, start, end, categories, rules, baseline_date) -> None:  # noqa: ANN001
    """Declare an emergency.

    \b
    Example:
      pricewatch emergency add --name "新型冠状病毒疫情" --jurisdiction CN --start 2020-01-24 --rules cn-samr-2020
    """
    check_since_until(start, end)
    cats = [c.strip() for c in categories.split(",") if c.strip()] if categories else None
    db = open_database(load_settings())
    e = add_emergency(db, name=name, jurisdiction=jurisdiction, start=start.isoformat(),
                      end=end.isoformat() if end else None, categories=cats, rules=rules,
                      baseline_date=baseline_date.isoformat() if baseline_date else None)
    click.echo(f"emergency {e.id}: {e.name} — {e.jurisdiction} from {e.start.astimezone(db.settings.tz):%Y-%m-%d %H:%M %Z}"
               f" under {e.rule_preset}")


@emergency.command("list")
def emergency_list() -> None:
    """List emergencies (times in the display zone)."""
    import pandas as pd

    db = open_database(load_settings())
    frame = emergencies_frame(db)
    if frame.empty:
        click.echo("no emergencies declared")
        return
    from pricewatch.cli.tables import print_table

    tz = db.settings.timezone
    rows = []
    for e in frame.itertuples(index=False):
        end = "open" if e.end is pd.NaT or e.end != e.end else f"{e.end.tz_convert(tz):%Y-%m-%d %H:%M}"
        cats = ", ".join(e.categories) if e.categories else "protective goods (default)"
        rows.append((e.id, e.name, e.jurisdiction, f"{e.start.tz_convert(tz):%Y-%m-%d %H:%M}", end, e.rule, cats))
    print_table(["id", "name", "jurisdiction", f"start ({tz})", f"end ({tz})", "rules", "categories"], rows,
                right={"id"})
