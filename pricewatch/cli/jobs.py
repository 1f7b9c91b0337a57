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
    click.echo(f"{'job':<11}{'schedule':<14}{'last run':<18}{'outcome':<9}{'next run':<18}summary")
    for name in sorted(set(specs) | set(last)):
        run = last.get(name)
        when = run.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if run else "-"
        nxt = upcoming.get(name)
        nxt_text = datetime.fromtimestamp(nxt, tz).strftime("%Y-%m-%d %H:%M") if nxt else "-"
        click.echo(f"{name:<11}{specs.get(name, 'off'):<14}{when:<18}{(run.outcome if run else '-'):<9}"
                   f"{nxt_text:<18}{(run.summary or '')[:90] if run else ''}")


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
