"""The ``pricewatch`` command. Each command is a thin shell over a function an analyst can call too.

Commands are loaded lazily (``COMMANDS`` maps a name to ``module:attribute``) so ``pricewatch --help`` stays
fast and a broken optional part cannot take the whole CLI down.
"""

from __future__ import annotations

import importlib
import sys

import click

from pricewatch import __version__
from pricewatch.errors import PricewatchError

# name → (module:attr, one-line help shown by `pricewatch --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("pricewatch.cli.ingest:ingest", "Load feed v1 files (CSV or JSON Lines, optionally .gz)."),
    "normalize": ("pricewatch.cli.normalize:normalize", "Read category and pack quantity from product titles."),
    "history": ("pricewatch.cli.history:history", "Price history per observation or per day, as a table, CSV or Parquet."),
    "db": ("pricewatch.cli.db:db", "Database schema: upgrade, current revision."),
    "emergency": ("pricewatch.cli.emergency:emergency", "Declare and list emergencies (they switch legal rules on)."),
    "detect": ("pricewatch.cli.detect:detect", "Run the detectors over stored observations; open/update alerts."),
    "alerts": ("pricewatch.cli.alerts:alerts", "Export or list alerts (one per listing and violation episode)."),
    "evaluate": ("pricewatch.cli.evaluate:evaluate", "Score detection on a labelled scenario panel vs references."),
    "webhooks": ("pricewatch.cli.webhooks:webhooks", "Webhook endpoints, deliveries, dispatch and replay."),
    "keys": ("pricewatch.cli.keys:keys", "API keys (admin, regulator, analyst, platform)."),
    "platforms": ("pricewatch.cli.compliance:platforms", "Platforms and their pledges (delisting deadlines)."),
    "compliance": ("pricewatch.cli.compliance:compliance", "Pledge compliance per platform."),
    "serve": ("pricewatch.cli.serve:serve", "Serve the HTTP API (platforms, regulators, analysts)."),
    "digest": ("pricewatch.cli.digest:digest", "Write (and e-mail) the regulators' daily digest: HTML + CSV."),
    "run": ("pricewatch.cli.run:run", "Run the scheduled service (feeds, detect, webhooks, re-checks, digest)."),
    "jobs": ("pricewatch.cli.jobs:jobs", "Scheduled jobs: last run, outcome, next run; run one now."),
    "extract": ("pricewatch.cli.extract:extract", "Read saved product pages: price, currency, availability… as JSON."),
    "evidence": ("pricewatch.cli.evidence:evidence", "Evidence pages: show one, verify the whole store."),
    "crawl": ("pricewatch.cli.crawl:crawl", "Crawl storefronts or feeds (in a child process) into the database."),
    "demo": ("pricewatch.cli.demo:demo", "A simulated crisis end to end: feeds, crawls, detection, webhooks, digest."),
    "conflicts": ("pricewatch.cli.conflicts:conflicts", "Data conflicts: one observation seen with two prices."),
    "feed": ("pricewatch.cli.feed:feed", "Feed v1 for platforms: validate files without writing, write an example."),
    "reports": ("pricewatch.cli.reports:reports", "Public reports: list, check by a priority crawl, purge contacts."),
    "reconcile": ("pricewatch.cli.reconcile:reconcile", "Crawled pages vs platform feeds: discrepancies, feed accuracy."),
    "chart": ("pricewatch.cli.chart:chart", "Draw price history (listing, seller, category, platform) as PNG or SVG."),
    "warnings": ("pricewatch.cli.warnings:warnings", "Formal warnings (告诫) to sellers: issue, list."),
    "reject": ("pricewatch.cli.reject:reject", "Quarantined feed rows: list (by file, reason, field) and show."),
    "case": ("pricewatch.cli.case:case", "Case bundles: export an alert's or seller's case as a ZIP; verify one."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        target, _ = COMMANDS[name]
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        # Domain errors become one-line messages with exit status 1, also under click's test runner.
        try:
            return super().invoke(ctx)
        except PricewatchError as exc:
            raise click.ClickException(str(exc)) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="pricewatch")
@click.option("--verbose", "-v", is_flag=True, help="Also debug lines, and libraries' INFO lines and warnings.")
@click.option("--quiet", "-q", is_flag=True, help="Only warnings and errors on stderr.")
def cli(verbose: bool, quiet: bool) -> None:
    """pricewatch — watch prices of protective goods, detect gouging, and close the loop with platforms.

    Database: PRICEWATCH_DATABASE_URL (any SQLAlchemy URL) or [database] url in pricewatch.toml; the default is
    the SQLite file pricewatch.db beside the config. Times are stored in UTC and shown in [display] timezone.
    Run `pricewatch COMMAND --help` for each command.
    """
    from pricewatch.logs import configure, verbosity_of

    configure(verbosity_of(verbose, quiet))


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
