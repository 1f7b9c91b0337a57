"""pricewatch: a price-stability monitor for e-commerce listings of protective goods.

The path of a price through the code follows the folder names:
``spiders/`` (collect) → ``pricewatch/feed`` and ``pricewatch/ingest`` (validate) →
``pricewatch/normalize`` (unit price) → ``pricewatch/store`` (database) → ``analysis/`` (detect) →
``pricewatch/alerts`` → ``pricewatch/api`` / ``pricewatch/cli``.

For notebooks (``pricewatch.notebook``; the same options as the commands, DataFrames back)::

    import pricewatch as pw
    db = pw.open()
    pw.history(db, category="mask.surgical", daily=True, by="platform")
    pw.alerts(db, status="open")
    pw.index(db, category="hand_sanitizer")
    pw.chart(db, alert=42, output="alert-42.png")

``pw.history`` and ``pw.alerts`` are also the modules ``pricewatch.history`` and ``pricewatch.alerts`` (calling
them calls the notebook function), so ``from pricewatch import history; history.query(...)`` keeps working. Names
load lazily: ``import pricewatch`` stays cheap for the command line.
"""

import importlib

__version__ = "0.1.0"
__all__ = ["__version__", "alerts", "chart", "history", "index", "open"]

_NOTEBOOK = {"open", "index", "chart"}
_CALLABLE_MODULES = {"history", "alerts"}


def __getattr__(name: str):  # noqa: ANN202 - PEP 562 lazy attributes
    if name in _NOTEBOOK:
        return getattr(importlib.import_module("pricewatch.notebook"), name)
    if name in _CALLABLE_MODULES:
        return importlib.import_module(f"pricewatch.{name}")
    raise AttributeError(f"module 'pricewatch' has no attribute {name!r}")
