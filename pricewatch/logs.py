"""Logging, configured once for every command: ``pricewatch [--verbose|--quiet] COMMAND``.

Levels: our own loggers (``pricewatch.*``) at INFO by default, DEBUG with ``--verbose``, WARNING with ``--quiet``.
Libraries (Alembic, APScheduler, Scrapy, httpx, uvicorn, matplotlib…) speak only at WARNING and above — their INFO
lines ("Context impl SQLiteImpl.", "Added job…") are noise on a normal run — and at INFO with ``--verbose``.
Python warnings from libraries (statsmodels' convergence and frequency notes, pandas' future notes) go through the
``py.warnings`` logger and are shown only with ``--verbose``: they describe the libraries' internals, not the
user's data; a problem with the user's data is our own message. Lines go to stderr, so a command's results on
stdout stay clean for pipes.
"""

from __future__ import annotations

import logging
import sys
import warnings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
LIBRARIES = ("alembic", "apscheduler", "scrapy", "twisted", "httpx", "httpcore", "uvicorn", "uvicorn.access",
             "uvicorn.error", "matplotlib", "asyncio", "urllib3", "filelock", "aiosmtpd", "mail.log", "distributed")
_HANDLER_NAME = "pricewatch"


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (click's test runner swaps it per invocation)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure(verbosity: int = 0) -> None:
    """``verbosity``: -1 quiet, 0 normal, 1 verbose. Idempotent (one handler, replaced on each call)."""
    own = logging.DEBUG if verbosity > 0 else logging.WARNING if verbosity < 0 else logging.INFO
    libraries = logging.INFO if verbosity > 0 else logging.WARNING
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = _Stderr(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
    root.addHandler(handler)
    root.setLevel(libraries)
    logging.getLogger("pricewatch").setLevel(own)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(libraries)
    # APScheduler warns when a run is skipped because the previous one is still going (a 5-second dispatch on a
    # busy machine): that is the schedule working as configured, and every run's outcome is logged by us
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbosity > 0 else logging.ERROR)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.WARNING if verbosity > 0 else logging.ERROR)
    if verbosity <= 0:
        # captured warnings are logged at WARNING: below py.warnings' ERROR level, so they are dropped; "ignore"
        # also spares formatting them (statsmodels warns once per series)
        warnings.filterwarnings("ignore", module=r"statsmodels(\..*)?$")
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)


def verbosity_of(verbose: bool, quiet: bool) -> int:
    return 1 if verbose and not quiet else -1 if quiet and not verbose else 0
