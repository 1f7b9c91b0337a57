"""``pricewatch crawl SPIDER``."""

from __future__ import annotations

import click


@click.command()
@click.argument("spider", type=click.Choice(["product", "search", "feed"]))
@click.option("-a", "arguments", multiple=True, metavar="KEY=VALUE", help="Spider argument (repeatable): "
              "product: urls=…; search: base=https://shop/jd keywords=口罩,KN95; feed: urls=….")
@click.option("--shared-queue", metavar="NAME", default=None,
              help="Join the shared crawl NAME: its queue and seen-set live in Redis, so crawl processes started "
                   "with the same NAME (on any machine) divide the pages and none is fetched twice.")
@click.option("--redis", "redis_url", metavar="URL", default=None, envvar="PRICEWATCH_REDIS_URL",
              help="Redis for --shared-queue [default: redis://127.0.0.1:6379/0].")
def crawl(spider: str, arguments: tuple[str, ...], shared_queue: str | None, redis_url: str | None) -> None:
    """Crawl into the configured database and print a summary (pages, items, rejected, new listings).

    Polite by default: robots.txt obeyed, AutoThrottle, per-domain concurrency, retries with back-off, a
    User-Agent naming pricewatch ([crawl] contact_url). Every product page is kept as evidence.

    \b
    Examples:
      pricewatch crawl search -a base=http://127.0.0.1:8800/jd -a keywords=口罩,KN95
      pricewatch crawl feed -a urls=http://127.0.0.1:8800/carefeed/feed.csv
      pricewatch crawl search -a base=… -a keywords=口罩 --shared-queue masks   # on each of N machines
    """
    from pricewatch.crawl import run_crawl

    pairs = {}
    for arg in arguments:
        if "=" not in arg:
            raise click.BadParameter(f"{arg!r} is not KEY=VALUE", param_hint="-a")
        key, value = arg.split("=", 1)
        pairs[key] = value
    if shared_queue is not None:
        from spiders.shared_queue import shared_settings

        try:
            shared_settings(shared_queue, redis_url or "")
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--shared-queue") from None
        import redis

        from pricewatch.crawl import DEFAULT_REDIS_URL

        try:
            redis.Redis.from_url(redis_url or DEFAULT_REDIS_URL, socket_connect_timeout=5).ping()
        except (redis.RedisError, ValueError) as exc:
            raise click.ClickException(f"Redis at {redis_url or DEFAULT_REDIS_URL} does not answer ({exc}); "
                                       "a shared crawl keeps its queue there") from None
    click.echo(run_crawl(spider, pairs, shared_queue=shared_queue, redis_url=redis_url).line())
