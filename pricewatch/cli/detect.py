"""``pricewatch detect`` and ``pricewatch detect --coverage``."""

from __future__ import annotations

import click

from pricewatch.config import load_settings
from pricewatch.store import open_database

REASON_TEXT = {
    "outside_emergency": "outside any emergency (region, category or period)",
    "no_quantity": "no unit price (pack quantity unreadable, or only sold-out/placeholder prices)",
    "too_few_days": "fewer than two observed days during the emergency",
    "no_currency_unit_match": "no comparable listing in the same currency and unit",
    "no_baseline": "no own history and too few like-for-like peers",
}


@click.command()
@click.option("--no-monitor", is_flag=True, help="Skip the early-warning level-shift monitor for listings that no "
              "emergency covers.")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Show what the last run evaluated and what it could not, by reason (does not run detection).")
@click.option("--partitions", type=click.IntRange(min=1), default=None, metavar="N",
              help="Detect in N listing buckets (ranges of listing ids of about equal size), one bucket's observations in "
              "memory at a time: the same alerts as a plain run, with memory bounded by the bucket. Default with "
              "--cluster: about 25,000 listings a bucket, at least two per worker.")
@click.option("--cluster", "cluster", default=None, metavar="local:W|tcp://HOST:PORT|none",
              help="Run the buckets on Dask: local:W starts W worker processes on this machine; tcp://HOST:8786 "
              "uses a running scheduler and its workers (docs/scale.md). Default: [cluster] scheduler in "
              "pricewatch.toml, else this process. 'none' ignores the configured scheduler.")
def detect(no_monitor: bool, show_coverage: bool, partitions: int | None, cluster: str | None) -> None:
    """Run all detectors over stored observations; open, update or close alerts. Idempotent.

    Listings covered by an emergency (by region and category; by default the protective-goods categories) are
    judged by its rule preset against their own regular pre-emergency price, or for sellers without history against
    the same product sold by others (else the top of their size class's normal range), net of market-wide
    movement. Other listings are watched by a statistical level-shift monitor (STL, robust). One alert per listing
    and violation episode; re-running updates alerts instead of duplicating them. Every run records its coverage:
    `pricewatch detect --coverage` shows the last one.

    \b
    At scale (docs/scale.md):
      pricewatch detect --partitions 40               # 40 buckets, one at a time, in this process
      pricewatch detect --cluster local:4              # buckets on 4 worker processes of this machine
      pricewatch detect --cluster tcp://10.0.0.5:8786  # on a running Dask scheduler's workers
    """
    from pricewatch.detect.run import last_run, run_detection

    settings = load_settings()
    db = open_database(settings)
    if show_coverage:
        run = last_run(db)
        if run is None:
            raise click.ClickException("no detection run recorded yet: run `pricewatch detect` first")
        _print_coverage(run.coverage or {}, run.listings, started=run.started_at, tz=db.settings.timezone)
        return
    configured = settings.section("cluster")
    cluster = cluster if cluster is not None else configured.get("scheduler")
    if cluster is not None and cluster.strip().lower() == "none":
        cluster = None
    partitions = partitions or configured.get("partitions")
    if cluster is None and partitions is None:
        stats = run_detection(db, monitor_uncovered=not no_monitor)
        where = ""
    else:
        stats, where = _run_partitioned(db, partitions, cluster, monitor_uncovered=not no_monitor)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in stats.seconds.items())
    click.echo(f"{stats.summary()}{where} [{timing}]")
    _print_coverage(stats.coverage, stats.listings)


def _run_partitioned(db, partitions: int | None, cluster: str | None, *, monitor_uncovered: bool):  # noqa: ANN001, ANN202
    """Partitioned detection in this process or on Dask, with a progress bar per pass (on stderr)."""
    from contextlib import nullcontext

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pricewatch.detect.cluster import ClusterError, dask_runner, parse_cluster
    from pricewatch.detect.partitions import default_partitions, run_partitioned

    if cluster is not None:
        try:
            parse_cluster(cluster)
        except ClusterError as exc:
            raise click.BadParameter(str(exc), param_hint="--cluster") from None
    try:
        with dask_runner(cluster) if cluster is not None else nullcontext(None) as runner:
            n = partitions or default_partitions(db, runner.workers if runner else 1)
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
                tasks = {"market": bar.add_task("market pass (index, peers)", total=n),
                         "detect": bar.add_task("judging buckets", total=n)}
                stats = run_partitioned(db, n, monitor_uncovered=monitor_uncovered, runner=runner,
                                        progress=lambda phase, done, _total: bar.update(tasks[phase],
                                                                                         completed=done))
    except ClusterError as exc:
        raise click.ClickException(str(exc)) from None
    where = f" — {n} buckets" + (f" on {cluster}" if cluster else "")
    return stats, where


def _print_coverage(coverage: dict, listings: int, *, started=None, tz: str = "UTC") -> None:
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    counts = coverage.get("counts", [])
    if not listings:
        console.print("[bold red]WARNING: no listings stored — nothing was evaluated[/bold red] "
                      "(pricewatch ingest FILE… or pricewatch crawl SPIDER first).")
        return
    title = "coverage"
    if started is not None:
        local = started.astimezone(ZoneInfo(tz))
        title += f" of the run started {local.strftime('%Y-%m-%d %H:%M %z')} ({tz})"
    table = Table(title=title)
    for column in ("status", "reason", "listings", "share"):
        table.add_column(column, justify="right" if column in ("listings", "share") else "left")
    for c in counts:
        share = f"{100 * c['listings'] / listings:.1f}%" if listings else "-"
        reason = REASON_TEXT.get(c["reason"], c["reason"] or "")
        table.add_row(c["status"], reason, f"{c['listings']:,}", share)
    console.print(table)
    for reason, rows in coverage.get("examples", {}).items():
        console.print(f"[bold]{reason}[/bold] — for example:")
        for r in rows:
            detail = f" ({r['detail']})" if r.get("detail") else ""
            console.print(f"  {r['platform']}/{r['listing_key']}: {r.get('title') or '(no title)'}{detail}",
                          markup=False)
    evaluated = sum(c["listings"] for c in counts if c["status"] == "evaluated")
    if listings and evaluated == 0:
        console.print("[bold red]WARNING: this run evaluated no listing under an emergency[/bold red] — "
                      "no alert here does not mean a clean market (see the reasons above).")
