"""``pricewatch run``."""

import logging
import sys

import click


@click.command()
def run() -> None:
    """Run the scheduled service until SIGTERM/SIGINT.

    Jobs and their schedules come from [schedule] in pricewatch.toml ("every 5s", "every 15m", "daily 08:00",
    "cron 0 8 * * *", or "off"): pull_feeds ([feeds] urls; detect follows new data), detect, dispatch (webhooks),
    recheck (delisted listings), digest (written daily, e-mailed when [mail] is set). One scheduler per database:
    a second `pricewatch run` stands by until the first stops. Each run logs one line and is listed by
    `pricewatch jobs`. Run it under systemd for production (see README).
    """
    from pricewatch.config import load_settings
    from pricewatch.service.scheduler import run_service
    from pricewatch.store import open_database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    sys.exit(run_service(open_database(load_settings())))
