"""The HTTP API (``create_app``), served by ``pricewatch serve``."""

from pricewatch.api.app import create_app

__all__ = ["create_app"]
