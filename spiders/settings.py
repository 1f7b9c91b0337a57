"""Scrapy settings for pricewatch's spiders: polite by default, switched by settings rather than code.

``pricewatch crawl`` overrides from ``[crawl]`` in pricewatch.toml: ``contact_url`` (in the User-Agent),
``concurrency_per_domain``, ``autothrottle``, ``http_cache`` (development only).
"""

BOT_NAME = "pricewatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
USER_AGENT = "pricewatch/0.1 (+https://github.com/pricewatch/pricewatch; price-stability monitoring)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 16
CONCURRENT_ITEMS = 1  # MEASURED.md: +20 % on CPU-bound parsing
DOWNLOAD_TIMEOUT = 15
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.05
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 8.0
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "WARNING"
ITEM_PIPELINES = {"spiders.pipelines.StorePipeline": 300}
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
