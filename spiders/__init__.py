"""Scrapy spiders: what to fetch and how politely. Reading a page is ``pricewatch.extract``'s job; storing
is the pipeline's (``spiders.pipelines``)."""
