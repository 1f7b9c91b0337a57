"""The cooperation routes (issue 14), included by ``pricewatch.api.app.create_app``: feed validation, public
reports, crawled-vs-feed reconciliation and regulators' warnings. Each lives in its own module."""

from __future__ import annotations

from fastapi import FastAPI

from pricewatch.store.engine import Database


def include_cooperation(app: FastAPI, db: Database) -> None:
    from pricewatch.api.feeds import feeds_router
    from pricewatch.api.reconciliation import reconciliation_router
    from pricewatch.api.reports import reports_router
    from pricewatch.api.warnings import warnings_router

    app.include_router(feeds_router(db))
    app.include_router(reports_router(db))
    app.include_router(reconciliation_router(db))
    app.include_router(warnings_router(db))
