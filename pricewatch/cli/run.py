"""``pricewatch run``."""

import sys

import click


@click.command()
def run() -> None:
    """Run the scheduled service until SIGTERM/SIGINT.

    Jobs and their schedules come from [schedule] in pricewatch.toml ("every 5s", "every 15m", "daily 08:00",
    "cron 0 8 * * *", or "off"): pull_feeds ([feeds] urls; detect follows new data), detect, dispatch (webhooks),
    recheck (delisted listings), digest (written daily, e-mailed when [mail] is set). One scheduler per database:
    a second `pricewatch run` stands by until the first stops. Each run that did something or failed logs one line
    (an idle webhook dispatch or feed pull logs only with --verbose); every run is listed by `pricewatch jobs`. Run it under systemd for production (see README).
    """
    from pricewatch.config import load_settings
    from pricewatch.service.scheduler import run_service
    from pricewatch.store import open_database

    # logging is configured by the `pricewatch` group (pricewatch.logs): job lines at INFO, libraries quiet
    sys.exit(run_service(open_database(load_settings())))
