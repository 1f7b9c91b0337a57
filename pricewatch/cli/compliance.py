"""``pricewatch compliance`` and ``pricewatch platforms``."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import select

from pricewatch.cli.options import JURISDICTION
from pricewatch.config import load_settings
from pricewatch.enforcement.compliance import compliance as compliance_report
from pricewatch.enforcement.compliance import set_pledge
from pricewatch.store import open_database
from pricewatch.store.models import Platform


@click.command()
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def compliance(fmt: str) -> None:
    """Pledge compliance per platform: notified, answered (in time), delisted, disputed, overdue, median hours to
    delist, re-listings caught."""
    frame = compliance_report(open_database(load_settings()))
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
        return
    if frame.empty:
        click.echo("no platforms")
        return
    click.echo(f"{'platform':<12}{'deadline':>9}{'notified':>9}{'answered':>9}{'in time':>8}{'delisted':>9}"
               f"{'disputed':>9}{'overdue':>8}{'h→delist':>9}{'relisted':>9}")
    for r in frame.itertuples(index=False):
        deadline = f"{r.deadline_hours}h" if r.deadline_hours else "-"
        in_time = "-" if r.answered_in_time is None or r.answered_in_time != r.answered_in_time else int(r.answered_in_time)
        hours = "-" if r.median_hours_to_delist is None or r.median_hours_to_delist != r.median_hours_to_delist \
            else f"{r.median_hours_to_delist:.1f}"
        click.echo(f"{r.platform:<12}{deadline:>9}{r.notified:>9}{r.answered:>9}{in_time!s:>8}{r.delisted:>9}"
                   f"{r.disputed:>9}{r.overdue:>8}{hours:>9}{r.relistings_caught:>9}")


@click.group()
def platforms() -> None:
    """Platforms and their pledges (delisting deadline in hours)."""


@platforms.command("set")
@click.argument("name")
@click.option("--deadline-hours", type=click.IntRange(min=1, max=24 * 365),
              help="Hours the platform pledged to delist a violator within.")
@click.option("--pledge-date", type=click.DateTime(["%Y-%m-%d"]), help="When the pledge was signed.")
@click.option("--country", type=JURISDICTION, help="ISO 3166 country of the platform.")
@click.option("--text", help="The pledge's wording.")
def platforms_set(name: str, deadline_hours: int | None, pledge_date, country: str | None, text: str | None) -> None:  # noqa: ANN001
    """Create or update a platform's pledge."""
    if country is not None and "-" in country:
        raise click.BadParameter(f"{country!r}: a country code (CN, US), not a subdivision", param_hint="--country")
    if not 0 < len(name) <= 64 or name != name.strip():
        raise click.BadParameter("a platform name has 1 to 64 characters and no surrounding spaces",
                                 param_hint="NAME")
    signed: date | None = pledge_date.date() if pledge_date else None
    set_pledge(open_database(load_settings()), name, deadline_hours=deadline_hours, signed_on=signed, country=country,
               text=text)
    click.echo(f"platform {name}: deadline {deadline_hours or '-'} h, pledge signed {signed or '-'}")


@platforms.command("list")
def platforms_list() -> None:
    """List platforms with their pledges."""
    db = open_database(load_settings())
    with db.session() as s:
        rows = s.scalars(select(Platform).order_by(Platform.name)).all()
    for p in rows:
        click.echo(f"{p.name:<12} {p.country or '-':<4} deadline {p.delisting_deadline_hours or '-'} h, "
                   f"pledge {p.pledge_signed_on or '-'}")
