"""pricewatch: a price-stability monitor for e-commerce listings of protective goods.

The path of a price through the code follows the folder names:
``spiders/`` (collect) → ``pricewatch/feed`` and ``pricewatch/ingest`` (validate) →
``pricewatch/normalize`` (unit price) → ``pricewatch/store`` (database) → ``analysis/`` (detect) →
``pricewatch/alerts`` → ``pricewatch/api`` / ``pricewatch/cli``.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
