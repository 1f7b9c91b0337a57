"""``pricewatch webhooks``: endpoints, deliveries, dispatch, replay."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import func, select

from pricewatch.config import load_settings
from pricewatch.store import open_database
from pricewatch.store.models import Platform, WebhookDelivery, WebhookEndpoint
from pricewatch.webhooks.endpoints import EVENT_TYPES, add_endpoint, rotate_secret, set_enabled


@click.group()
def webhooks() -> None:
    """Signed violation webhooks (Standard Webhooks) to the platforms."""


@webhooks.command("add")
@click.option("--platform", required=True, help="Platform name, e.g. jd.")
@click.option("--url", required=True, help="The platform's receiver (http/https; private addresses are refused "
              "unless listed in [webhooks] allow_private).")
@click.option("--events", help=f"Comma-separated event types (default all: {', '.join(EVENT_TYPES)}).")
def webhooks_add(platform: str, url: str, events: str | None) -> None:
    """Register an endpoint and print its signing secret (shown once)."""
    db = open_database(load_settings())
    wanted = [e.strip() for e in events.split(",") if e.strip()] if events else None
    endpoint, secret = add_endpoint(db, platform=platform, url=url, events=wanted)
    click.echo(f"endpoint {endpoint.id} for {platform}: {url}")
    click.echo(f"secret (shown once; verify with any Standard Webhooks library): {secret}")


@webhooks.command("list")
def webhooks_list() -> None:
    """List endpoints with their delivery counts."""
    db = open_database(load_settings())
    with db.session() as s:
        rows = s.execute(select(WebhookEndpoint, Platform.name).outerjoin(Platform)).all()
        counts = dict(((e, st), n) for e, st, n in s.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count())
            .group_by(WebhookDelivery.endpoint_id, WebhookDelivery.status)))
    if not rows:
        click.echo("no endpoints")
    for e, platform in rows:
        state = "enabled" if e.enabled else f"DISABLED ({e.disabled_reason or 'by hand'})"
        tally = ", ".join(f"{st} {counts.get((e.id, st), 0)}" for st in ("pending", "failed", "delivered", "dead"))
        click.echo(f"{e.id:>3}  {platform or '*':<10} {e.url}  [{state}]  events: "
                   f"{','.join(e.events) if e.events else 'all'}  secrets: {len(e.secrets or [])}  {tally}")


@webhooks.command("disable")
@click.argument("endpoint_id", type=int)
@click.option("--reason", default="disabled by hand")
def webhooks_disable(endpoint_id: int, reason: str) -> None:
    """Stop sending to an endpoint."""
    set_enabled(open_database(load_settings()), endpoint_id, False, reason)
    click.echo(f"endpoint {endpoint_id} disabled")


@webhooks.command("enable")
@click.argument("endpoint_id", type=int)
def webhooks_enable(endpoint_id: int) -> None:
    """Send to an endpoint again."""
    set_enabled(open_database(load_settings()), endpoint_id, True)
    click.echo(f"endpoint {endpoint_id} enabled")


@webhooks.command("rotate-secret")
@click.argument("endpoint_id", type=int)
@click.option("--overlap-hours", type=float, default=24.0, show_default=True,
              help="How long the old secret keeps signing beside the new one.")
def webhooks_rotate(endpoint_id: int, overlap_hours: float) -> None:
    """Issue a new secret; both sign every delivery during the overlap."""
    secret = rotate_secret(open_database(load_settings()), endpoint_id, timedelta(hours=overlap_hours))
    click.echo(f"new secret for endpoint {endpoint_id} (shown once): {secret}")
    click.echo(f"the previous secret keeps signing for {overlap_hours:g} h")


@webhooks.command("deliveries")
@click.option("--status", type=click.Choice(["pending", "failed", "delivered", "dead"]))
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
def webhooks_deliveries(status: str | None, limit: int) -> None:
    """Show outbox deliveries (newest first)."""
    db = open_database(load_settings())
    tz = db.settings.tz
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    with db.session() as s:
        rows = s.scalars(stmt).all()
    if not rows:
        click.echo("no deliveries")
    for d in rows:
        nxt = f" next {d.next_attempt_at.astimezone(tz):%Y-%m-%d %H:%M:%S}" if d.status == "failed" else ""
        click.echo(f"{d.id:>6} {d.event_id} {d.event_type:<18} endpoint {d.endpoint_id} {d.status:<9} attempts "
                   f"{d.attempts} last {d.last_status or '-'}{nxt} {d.last_error or ''}")


@webhooks.command("dispatch")
@click.option("--concurrency", type=click.IntRange(min=1, max=1000), default=50, show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Seconds per request.")
@click.option("--lease-seconds", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="How long a claimed delivery is held before another dispatcher may take it.")
def webhooks_dispatch(concurrency: int, timeout: float, lease_seconds: float) -> None:
    """Send whatever is due once and exit (the service runs the same code on a schedule)."""
    from pricewatch.webhooks.dispatch import dispatch

    stats = dispatch(open_database(load_settings()), concurrency=concurrency, timeout=timeout,
                     lease=timedelta(seconds=lease_seconds))
    click.echo(stats.summary())


@webhooks.command("replay")
@click.argument("delivery_id", type=int, required=False)
@click.option("--dead", is_flag=True, help="Replay every dead delivery.")
def webhooks_replay(delivery_id: int | None, dead: bool) -> None:
    """Queue a delivery (or all dead ones) again; the event keeps its webhook-id."""
    from pricewatch.webhooks.dispatch import replay

    if (delivery_id is None) == (not dead):
        raise click.UsageError("give a DELIVERY_ID or --dead")
    n = replay(open_database(load_settings()), delivery_id=delivery_id, dead=dead)
    click.echo(f"{n} deliveries queued again")
