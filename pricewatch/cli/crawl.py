"""``pricewatch crawl SPIDER``."""

from __future__ import annotations

import click


@click.command()
@click.argument("spider", type=click.Choice(["product", "search", "feed"]))
@click.option("-a", "arguments", multiple=True, metavar="KEY=VALUE", help="Spider argument (repeatable): "
              "product: urls=…; search: base=https://shop/jd keywords=口罩,KN95; feed: urls=….")
def crawl(spider: str, arguments: tuple[str, ...]) -> None:
    """Crawl into the configured database and print a summary (pages, items, rejected, new listings).

    Polite by default: robots.txt obeyed, AutoThrottle, per-domain concurrency, retries with back-off, a
    User-Agent naming pricewatch ([crawl] contact_url). Every product page is kept as evidence.

    \b
    Examples:
      pricewatch crawl search -a base=http://127.0.0.1:8800/jd -a keywords=口罩,KN95
      pricewatch crawl feed -a urls=http://127.0.0.1:8800/carefeed/feed.csv
    """
    from pricewatch.crawl import run_crawl

    pairs = {}
    for arg in arguments:
        if "=" not in arg:
            raise click.BadParameter(f"{arg!r} is not KEY=VALUE", param_hint="-a")
        key, value = arg.split("=", 1)
        pairs[key] = value
    click.echo(run_crawl(spider, pairs).line())
