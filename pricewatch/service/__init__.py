"""The long-running service (``pricewatch run``): scheduled jobs under a database lease."""
