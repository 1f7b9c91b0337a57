"""Listing buckets: a stable hash of the listing id splits the listings into N disjoint buckets.

A bucket is ``(index, count)``; listing ``id`` belongs to bucket ``((id * 2654435761) mod 2**32) mod count`` (Knuth's
multiplicative hash: consecutive ids — one feed's listings, one seller's shop — spread over every bucket, and the
same id lands in the same bucket on every run and every machine, in Python and in SQL alike). Ids must stay below
2**32 so the product fits a signed 64-bit integer in SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MULTIPLIER = 2654435761
MODULUS = 1 << 32


@dataclass(frozen=True)
class Bucket:
    """One of ``count`` listing buckets (``index`` in 0…count-1)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"bucket {self.index} of {self.count}: need 0 <= index < count and count >= 1")

    def condition(self, column: str) -> str:
        """SQL condition true for the ids in ``column`` that belong to this bucket (both dialects).

        Written without ``%`` (a placeholder to PostgreSQL's driver): ``& (2**32 - 1)`` for the first modulus and
        ``h - (h / n) * n`` (integer division in both databases) for the second."""
        h = f"(({column} * {MULTIPLIER}) & {MODULUS - 1})"
        return f"({h} - ({h} / {self.count}) * {self.count}) = {self.index}"

    def listing_filter(self, column: str) -> str:
        """SQL condition on a ``listing_id`` column through the listing table: the database can then reach the
        bucket's observations by the (listing_id, observed_at) index instead of hashing every observation."""
        return f"{column} IN (SELECT id FROM listing WHERE {self.condition('id')})"

    def __str__(self) -> str:
        return f"{self.index + 1}/{self.count}"


def buckets(count: int) -> list[Bucket]:
    """All ``count`` buckets."""
    return [Bucket(i, count) for i in range(count)]


def bucket_of(listing_ids, count: int) -> np.ndarray:
    """The bucket index of each listing id (the same formula as :meth:`Bucket.condition`)."""
    ids = np.asarray(listing_ids, dtype="uint64")
    return ((ids * np.uint64(MULTIPLIER)) % np.uint64(MODULUS) % np.uint64(count)).astype("int64")
