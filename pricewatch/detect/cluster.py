"""Detection buckets on a Dask cluster: a ``distributed.LocalCluster`` on this machine, or an existing scheduler.

``--cluster local:W`` starts W worker processes here (one thread each: the bucket functions are pandas and hold the
GIL); ``--cluster tcp://HOST:8786`` (or ``[cluster] scheduler`` in pricewatch.toml) connects to a scheduler whose
workers were started with ``dask worker tcp://HOST:8786`` on machines that have pricewatch installed and can reach
the database (docs/scale.md). Workers run :func:`pricewatch.detect.partitions.bucket_parts` and
:func:`~pricewatch.detect.partitions.bucket_detection`: they read their bucket from the database themselves and
return small DataFrames; the coordinator (the ``pricewatch detect`` process) writes the alerts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

LOCAL = re.compile(r"local(?::(\d+))?")


class ClusterError(ValueError):
    """A cluster address that is neither ``local:W`` nor a scheduler address (``tcp://HOST:PORT``)."""


def parse_cluster(spec: str) -> tuple[str, int | str]:
    """``local:W`` → ("local", W); ``tcp://HOST:PORT`` (or ``tls://``, ``ws://``…) → ("scheduler", address)."""
    spec = spec.strip()
    m = LOCAL.fullmatch(spec)
    if m:
        workers = int(m.group(1) or 2)
        if workers < 1:
            raise ClusterError(f"--cluster {spec}: need at least one worker (local:W with W >= 1)")
        return "local", workers
    if re.fullmatch(r"(tcp|tls|ws|wss|inproc)://[^\s/]+", spec):
        return "scheduler", spec
    raise ClusterError(f"--cluster {spec!r}: expected local:W (W worker processes on this machine) or a Dask "
                       "scheduler address such as tcp://10.0.0.5:8786")


class DaskRunner:
    """Runs bucket tasks on a ``distributed.Client``; results come back as buckets finish (any order)."""

    def __init__(self, client) -> None:  # noqa: ANN001
        self.client = client

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def database(self, db):  # noqa: ANN001, ANN201
        """What a worker needs to open the database itself: its URL and the display zone, nothing else."""
        from pricewatch.detect.partitions import worker_settings

        return worker_settings(db)

    def cleanup(self, folder: str) -> None:
        """Remove the buckets' spill folder on every worker (and here): frames of buckets judged elsewhere."""
        import shutil
        from contextlib import suppress

        with suppress(OSError):  # a worker gone meanwhile: its temporary directory is its machine's to clean
            self.client.run(shutil.rmtree, folder, True)
        shutil.rmtree(folder, ignore_errors=True)

    def share(self, value):  # noqa: ANN001, ANN201
        """Ship ``value`` to every worker once (the market context), instead of once per task."""
        return self.client.scatter(value, broadcast=True, hash=False)

    def map_reduce(self, mapper: Callable, items: Iterable, args: tuple, shards: int, reducer: Callable,
                   folder: str, progress: Callable[[int], None] | None = None) -> tuple[list, list]:
        """``mapper(item, *args)`` on the workers returns (summary, one piece per shard); shard k's pieces of every
        item go to one ``reducer`` task. The pieces stay on the workers (Dask moves them to the reducer's worker
        and spills them to disk under its memory limit): only the summaries and the reducers' results come to
        this process. ``folder`` is unused (the in-process runner's disk shuffle)."""
        from distributed import as_completed

        items = list(items)
        # pure=False: a re-run must read the database again, never reuse a cached result
        maps = [self.client.submit(mapper, item, *args, pure=False) for item in items]
        heads = [self.client.submit(_summary, m, pure=False) for m in maps]
        pieces = [[self.client.submit(_piece, m, k, pure=False) for k in range(shards)] for m in maps]
        # released here, a bucket's result is freed on its worker as soon as its summary and pieces are taken
        for m in maps:
            m.release()
        reducers = [self.client.submit(reducer, [row[k] for row in pieces], pure=False) for k in range(shards)]
        for row in pieces:
            for p in row:
                p.release()
        try:
            order = {h.key: i for i, h in enumerate(heads)}
            summaries: list = [None] * len(heads)
            for done, head in enumerate(as_completed(heads), 1):
                summaries[order[head.key]] = head.result()
                head.release()
                if progress:
                    progress(done)
            results = self.client.gather(reducers)
        finally:
            for future in heads + reducers:
                future.cancel()
        return summaries, results

    def map(self, function: Callable, items: Iterable, *args, **kwargs) -> Iterator:
        from distributed import as_completed

        items = list(items)
        # pure=False: a re-run must read the database again, never reuse a cached result
        futures = [self.client.submit(function, item, *args, pure=False, **kwargs) for item in items]
        try:
            for future in as_completed(futures):
                yield future.result()
                future.release()
        finally:
            for future in futures:
                future.cancel()


def _summary(result: tuple):  # noqa: ANN202 — run on a worker: the small part of a map result
    return result[0]


def _piece(result: tuple, k: int):  # noqa: ANN202 — run on a worker: shard k's piece of a map result
    return result[1][k]


@contextmanager
def dask_runner(spec: str, *, memory_limit: str | None = None):  # noqa: ANN201
    """A :class:`DaskRunner` for ``spec`` (see :func:`parse_cluster`); a local cluster is closed afterwards."""
    from distributed import Client, LocalCluster

    kind, value = parse_cluster(spec)
    if kind == "local":
        cluster = LocalCluster(n_workers=int(value), threads_per_worker=1, processes=True,
                               dashboard_address=":0", memory_limit=memory_limit or "auto")
        client = Client(cluster)
        try:
            yield DaskRunner(client)
        finally:
            client.close()
            cluster.close()
    else:
        try:
            client = Client(str(value), timeout="20s")
        except OSError as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {value}: {exc}") from None
        try:
            yield DaskRunner(client)
        finally:
            client.close()
