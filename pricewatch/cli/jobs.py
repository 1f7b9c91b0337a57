"""``pricewatch jobs``."""

from __future__ import annotations

from datetime import datetime

import click


@click.group(invoke_without_command=True)
@click.pass_context
def jobs(ctx: click.Context) -> None:
    """Scheduled jobs: last run, outcome and next run (times in the display zone). `jobs run NAME` runs one now."""
    if ctx.invoked_subcommand is not None:
        return
    from pricewatch.config import load_settings
    from pricewatch.service.scheduler import last_runs, next_runs, schedule_specs
    from pricewatch.store import open_database

    db = open_database(load_settings())
    tz = db.settings.tz
    specs = schedule_specs(db)
    last = last_runs(db)
    upcoming = next_runs(db)
    from pricewatch.cli.tables import print_table, when, zone_name

    rows = []
    for name in sorted(set(specs) | set(last)):
        run = last.get(name)
        nxt = upcoming.get(name)
        rows.append((name, specs.get(name, "off"), when(run.started_at, tz) if run else "-",
                     run.outcome if run else "-", datetime.fromtimestamp(nxt, tz).strftime("%Y-%m-%d %H:%M") if nxt
                     else "-", (run.summary or "") if run else ""))
    zone = zone_name(tz)
    print_table(["job", "schedule", f"last run ({zone})", "outcome", f"next run ({zone})", "summary"], rows)


@jobs.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run one job now (recorded like a scheduled run)."""
    from pricewatch.config import load_settings
    from pricewatch.service.jobs import JOBS
    from pricewatch.service.scheduler import record_run
    from pricewatch.store import open_database

    if name not in JOBS:
        raise click.BadParameter(f"unknown job; known: {', '.join(JOBS)}", param_hint="NAME")
    run = record_run(open_database(load_settings()), name)
    click.echo(f"{name} {run.outcome}: {run.summary}")
    if run.outcome != "ok":
        raise SystemExit(1)
