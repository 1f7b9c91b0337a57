"""``pricewatch keys``."""

import click
from sqlalchemy import select

from pricewatch.cli.options import check_platforms
from pricewatch.config import load_settings
from pricewatch.keys import ROLES, create_key, revoke_key
from pricewatch.store import open_database
from pricewatch.store.models import ApiKey, Platform


@click.group()
def keys() -> None:
    """API keys for the HTTP API (bearer tokens; stored hashed)."""


@keys.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--platform", help="For platform keys: the platform they act for.")
@click.option("--name", help="A note: who holds the key.")
def keys_create(role: str, platform: str | None, name: str | None) -> None:
    """Create a key and print it once (only its hash is stored)."""
    db = open_database(load_settings())
    if platform is not None:
        check_platforms(db, [platform])
    key_id, key = create_key(db, role=role, platform=platform, name=name)
    click.echo(f"key {key_id} ({role}{' for ' + platform if platform else ''}): {key}")
    click.echo("store it now: it cannot be shown again")


@keys.command("list")
def keys_list() -> None:
    """List keys (prefix, role, platform; never the key)."""
    db = open_database(load_settings())
    with db.session() as s:
        rows = s.execute(select(ApiKey, Platform.name).outerjoin(Platform, Platform.id == ApiKey.platform_id)).all()
    from pricewatch.cli.tables import print_table, when, zone_name

    if not rows:
        click.echo("no API keys (pricewatch keys create --role …)")
        return
    tz = db.settings.tz
    zone = zone_name(tz)
    print_table(["id", "key", "role", "platform", "state", f"created ({zone})", f"revoked ({zone})", "name"],
                [(k.id, f"pw_{k.prefix}_…", k.role, platform or "-", "revoked" if k.revoked_at else "active",
                  when(k.created_at, tz), when(k.revoked_at, tz), k.name or "") for k, platform in rows],
                right={"id"})


@keys.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id: int) -> None:
    """Revoke a key."""
    revoke_key(open_database(load_settings()), key_id)
    click.echo(f"key {key_id} revoked")
