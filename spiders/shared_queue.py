"""One crawl shared by several processes (on one or many machines) through Redis, with scrapy-redis.

``pricewatch crawl SPIDER --shared-queue NAME`` (or ``PRICEWATCH_CRAWL_QUEUE=NAME`` for the child process) makes
the crawl's request queue and its seen-set (request fingerprints) live in Redis under ``pricewatch:crawl:NAME:``;
start as many workers as wanted with the same NAME and spider arguments: every request is queued once (the shared
seen-set drops the others' copies), each worker pops the next one, so the workers divide the pages and none is
fetched twice.

What scrapy-redis does not do, and this module adds: a worker killed mid-crawl loses the requests it had popped
but not finished (scrapy-redis removes a request from Redis when it is popped). Here a pop moves the request
atomically (a Lua script) into the worker's in-flight set ``…:inflight:<worker>``; the request is acknowledged
(removed) once its page has been parsed, the requests it yields are queued and its items are stored: every
second the worker has the store pipeline write its buffered rows, then acknowledges the pages they came from. Each worker refreshes
``…:alive:<worker>`` (expiring after ``PRICEWATCH_CRAWL_WORKER_TTL`` seconds, default 30); when the queue runs
dry, a worker moves a dead worker's in-flight requests back into the queue (``RENAME`` makes exactly one survivor
take them). So a killed worker costs at most its in-flight pages (downloading, or parsed in the last second
and not yet stored) fetched again. A worker keeps running while other
workers still hold requests (their pages may add more), and the last one to finish deletes the crawl's keys, so
the next round with the same NAME starts afresh; after a crash of every worker, the next round resumes the queue.

Requests whose download failed are not acknowledged one by one (errbacks bypass spider middlewares); the worker's
in-flight set is deleted when it closes.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)
PREFIX = "pricewatch:crawl:{name}"
LEASE_META = "pricewatch_inflight"
SETTLE_SECONDS = 1.0  # how often parsed pages' items are stored and their requests acknowledged

_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('ZADD', KEYS[2], found[2], found[1])
return found[1]
"""


def shared_settings(name: str, redis_url: str) -> dict:
    """Scrapy settings that put a crawl's queue and seen-set in Redis under ``pricewatch:crawl:NAME``."""
    if not name or any(c.isspace() or c in ":*?[]" for c in name):
        raise ValueError(f"shared queue name {name!r}: use letters, digits, '-', '_' or '.'")
    prefix = PREFIX.format(name=name)
    return {
        "SCHEDULER": "spiders.shared_queue.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:seen",
        "SCHEDULER_PERSIST": True,  # one worker closing must not flush the queue the others still work on
        "REDIS_URL": redis_url,
        "SPIDER_MIDDLEWARES": {"spiders.shared_queue.AcknowledgeParsed": 10},
    }


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop moves the request into this worker's in-flight set."""

    def __init__(self, server, spider, key, serializer=None, inflight_key: str = ""):  # noqa: ANN001
        super().__init__(server, spider, key, serializer)
        self.inflight_key = inflight_key
        self._pop = server.register_script(_POP)

    def pop(self, timeout=0):  # noqa: ANN001, ANN201, ARG002
        data = self._pop(keys=[self.key, self.inflight_key])
        if not data:
            return None
        request = self._decode_request(data)
        request.meta[LEASE_META] = data
        return request


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler with in-flight sets, liveness keys and recovery of dead workers' requests."""

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        instance = super().from_crawler(crawler)
        instance.ttl = int(os.environ.get("PRICEWATCH_CRAWL_WORKER_TTL", "30"))
        crawler.pricewatch_shared = instance
        return instance

    def open(self, spider):  # noqa: ANN001, ANN201
        from twisted.internet import task

        self.spider = spider
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.prefix = self.queue_key.rsplit(":", 1)[0]
        self.queue = LeasedPriorityQueue(self.server, spider, self.queue_key, self.serializer,
                                         inflight_key=self._inflight(self.worker))
        if not self.df:
            from scrapy.utils.misc import load_object

            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        self._parsed: list[bytes] = []
        self.store_hook = getattr(self, "store_hook", None)
        self._alive()
        self._beat = task.LoopingCall(self._alive)
        self._beat.start(max(self.ttl / 3, 0.5), now=False)
        self._settling = task.LoopingCall(self.settle)
        self._settling.start(SETTLE_SECONDS, now=False)
        if len(self.queue):
            spider.log(f"Joining a shared crawl ({len(self.queue)} requests queued)", level=logging.INFO)

    def _inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def _alive(self) -> None:
        self.server.set(f"{self.prefix}:alive:{self.worker}", 1, ex=self.ttl)
        self.server.sadd(f"{self.prefix}:workers", self.worker)

    def _others(self) -> list[str]:
        return [w.decode() if isinstance(w, bytes) else w for w in self.server.smembers(f"{self.prefix}:workers")
                if (w.decode() if isinstance(w, bytes) else w) != self.worker]

    def _reclaim(self) -> int:
        """Move the in-flight requests of dead workers back into the queue; returns how many."""
        moved = 0
        for worker in self._others():
            if self.server.exists(f"{self.prefix}:alive:{worker}"):
                continue
            holding = f"{self.prefix}:reclaim:{self.worker}"
            try:
                self.server.rename(self._inflight(worker), holding)  # atomic: one survivor wins
            except Exception:  # noqa: BLE001 - no such key: nothing held, or another worker took it
                self.server.srem(f"{self.prefix}:workers", worker)
                continue
            count = self.server.zcard(holding)
            self.server.zunionstore(self.queue.key, [self.queue.key, holding], aggregate="MIN")
            self.server.delete(holding)
            self.server.srem(f"{self.prefix}:workers", worker)
            moved += count
            logger.warning("shared crawl: %d requests of dead worker %s queued again", count, worker)
        if moved and self.stats:
            self.stats.inc_value("pricewatch/reclaimed", moved, spider=self.spider)
        return moved

    def next_request(self):  # noqa: ANN201
        request = self.queue.pop()
        if request is None and self._reclaim():
            request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis", spider=self.spider)
        return request

    def has_pending_requests(self) -> bool:
        """Queued requests, or requests other workers (alive or dead) still hold: their pages may add more."""
        if len(self.queue) > 0:
            return True
        return any(self.server.zcard(self._inflight(w)) for w in self._others())

    def parsed(self, request) -> None:  # noqa: ANN001
        """The request's page is parsed; it is acknowledged once what it yielded is stored (:meth:`settle`)."""
        data = request.meta.get(LEASE_META)
        if data is not None:
            self._parsed.append(data)

    def settle(self) -> None:
        """Store what parsed pages yielded (the pipeline's flush, when it registered one), then acknowledge them:
        a worker killed after this loses nothing; before it, those pages are fetched again by another worker."""
        pending, self._parsed = self._parsed, []
        if pending:
            if self.store_hook is not None:
                self.store_hook()
            self.server.zrem(self.queue.inflight_key, *pending)

    def close(self, reason):  # noqa: ANN001, ANN201
        for loop in (getattr(self, "_beat", None), getattr(self, "_settling", None)):
            if loop is not None and loop.running:
                loop.stop()
        self.server.delete(self.queue.inflight_key, f"{self.prefix}:alive:{self.worker}")
        self.server.srem(f"{self.prefix}:workers", self.worker)
        alive = [w for w in self._others() if self.server.exists(f"{self.prefix}:alive:{w}")]
        if not alive and not self.has_pending_requests():
            # the last worker out: the round is over, so the next one with this name starts with an empty seen-set
            self.server.delete(self.queue.key, self.df.key, f"{self.prefix}:workers")


class AcknowledgeParsed:
    """Spider middleware (outermost): tells the scheduler a request's page has been parsed and what the callback
    yielded has passed on (new requests are queued, items handed to the pipeline, as they are yielded)."""

    def __init__(self, crawler) -> None:  # noqa: ANN001
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler)

    def _done(self, response) -> None:  # noqa: ANN001
        scheduler = getattr(self.crawler, "pricewatch_shared", None)
        if scheduler is not None and response.request is not None:
            scheduler.parsed(response.request)

    def process_spider_output(self, response, result, spider):  # noqa: ANN001, ANN201, ARG002
        yield from result
        self._done(response)

    async def process_spider_output_async(self, response, result, spider):  # noqa: ANN001, ANN201, ARG002
        async for item in result:
            yield item
        self._done(response)

    def process_spider_exception(self, response, exception, spider) -> None:  # noqa: ANN001, ARG002
        self._done(response)
