"""Listing buckets: contiguous ranges of listing ids that split the listings into N disjoint sets of about equal size.

A bucket is ``(index, count, lo, hi)``: the listings with ``lo <= id < hi`` (``lo`` None: from the first listing;
``hi`` None: to the last, and any listing added after the ranges were drawn). :func:`listing_ranges` draws the
bounds from the listing table (``NTILE`` over the ids, in the database) so each bucket holds about the same number
of listings; the first bucket is open below and the last open above, so together they cover every id.

Why ranges and not a hash of the id: a bucket is read from the database through the ``(listing_id, observed_at)``
index of every monthly partition. Listing ids are handed out in the order listings are first seen (one feed, one
shop after another) and observations are written in feed order, so the rows of a range of ids lie together on
disk. A hash bucket (every N-th listing) has a row or two on every page of the table: each bucket then reads the
whole table, and a run reads it N times — linear while the table stays in the page cache, quadratic after
(docs/scale.md; with the planner settings of ``pricewatch.detect.load``, a range bucket read 30,000 pages where
the whole table is 851,000 at 56 M observations).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text


@dataclass(frozen=True)
class Bucket:
    """One of ``count`` listing buckets (``index`` in 0…count-1): listing ids in ``[lo, hi)``."""

    index: int
    count: int
    lo: int | None = None
    hi: int | None = None

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"bucket {self.index} of {self.count}: need 0 <= index < count and count >= 1")
        if self.lo is not None and self.hi is not None and self.hi < self.lo:
            raise ValueError(f"bucket {self.index} of {self.count}: upper bound {self.hi} below lower {self.lo}")

    def condition(self, column: str) -> str:
        """SQL condition true for the ids in ``column`` that belong to this bucket (both dialects; the bounds are
        integers, so nothing is interpolated but numbers). On ``price_observation.listing_id`` it is a range the
        database reads from the (listing_id, observed_at) index of each partition."""
        parts = ([f"{column} >= {int(self.lo)}"] if self.lo is not None else []) + \
            ([f"{column} < {int(self.hi)}"] if self.hi is not None else [])
        return "(" + " AND ".join(parts) + ")" if parts else "(1 = 1)"

    def __str__(self) -> str:
        return f"{self.index + 1}/{self.count}"


def buckets_from_bounds(bounds: list[int], count: int) -> list[Bucket]:
    """``count`` buckets split at ``bounds`` (the first id of buckets 2…count, ascending; fewer bounds than
    ``count - 1`` — fewer listings than buckets — leave the last buckets empty)."""
    bounds = sorted(int(b) for b in bounds)[: count - 1]
    if len(bounds) < count - 1:  # empty ranges [last, last) after the last listing's bucket
        bounds += [bounds[-1] if bounds else 0] * (count - 1 - len(bounds))
    los: list[int | None] = [None, *bounds]
    his: list[int | None] = [*bounds, None]
    return [Bucket(i, count, los[i], his[i]) for i in range(count)]


def listing_ranges(db, count: int) -> list[Bucket]:  # noqa: ANN001 - a pricewatch Database
    """``count`` buckets of about equal numbers of listings, by id range, drawn from the listing table now (one
    query; the ids never leave the database)."""
    if count < 1:
        raise ValueError(f"{count} buckets: need at least one")
    if count == 1:
        return [Bucket(0, 1)]
    sql = text("SELECT MIN(id) FROM (SELECT id, NTILE(:n) OVER (ORDER BY id) AS tile FROM listing) ranked "
               "GROUP BY tile ORDER BY 1")
    with db.engine.connect() as conn:
        firsts = [row[0] for row in conn.execute(sql, {"n": count})]
    return buckets_from_bounds(firsts[1:], count)
