"""The market pass of partitioned detection: the figures that need all listings, computed without any one process
holding all listings.

Each bucket reduces its listings to what those figures are made of (:func:`analysis.detect.market_parts`) and
splits that by key into S **shards** (a map step, :func:`split_parts`):

- the category index's and the monitor's daily ratios, by category × currency × unit × day;
- the candidate and wanting peers, by product_key × currency × unit (same-product peers) and by
  category × currency × unit (size-class peers).

Each shard then gathers its pieces from every bucket and computes its part of the figures (a reduce step,
:func:`reduce_shard`): the daily medians of its keys and days, the market levels, and the peer baselines of the
wanting listings whose keys it holds. Every one of those is computed from the rows of one key (× day) only, so the
shards' results put together (:func:`context_from`) are exactly the figures of one pass over everything; only the
3-day smoothing of the index runs on the gathered daily medians (a few rows per key and day).

What the coordinator holds is therefore the size of the results — keys × days for the index and levels, one row
per listing that needs peers — never the ratios (16 bytes per listing-day) or the candidate peers (one row per
listing with a baseline). Shards are moved by the runner: in one process through files on local disk, one shard
in memory at a time; on Dask as futures on the workers, which spill to disk under their memory limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.detect import (
    PEER_COLUMNS,
    PRODUCT_PEER_KEYS,
    SIZE_PEER_KEYS,
    MarketContext,
    MarketParts,
    choose_peers,
    peer_frames,
    product_peers,
    size_peers,
)
from analysis.detectors import MARKET_KEYS, market_levels
from analysis.market import daily_medians, smooth_index

DAY_NS = 86_400_000_000_000
_MISSING = "\x00missing"   # stands for a missing key when hashing, so every bucket sends it to the same shard
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class Ratios:
    """Per listing-day ratios in compact form: a group code (into ``groups``: the key columns), the day (days since
    1970-01-01 UTC) and the value. 16 bytes a row instead of three object columns and a timestamp."""
    groups: pd.DataFrame      # one row per group: the key columns
    group: np.ndarray         # int32
    day: np.ndarray           # int32
    value: np.ndarray         # float64

    @classmethod
    def pack(cls, frame: pd.DataFrame, keys: list[str], value: str) -> Ratios:
        grouped = frame.groupby(keys, dropna=False, sort=True)
        codes = grouped.ngroup().to_numpy(dtype="int32")
        groups = grouped.size().index.to_frame(index=False)[keys] if len(frame) else pd.DataFrame(columns=keys)
        days = (pd.to_datetime(frame["day"], utc=True).to_numpy(dtype="datetime64[ns]").view("int64") // DAY_NS)
        return cls(groups=groups, group=codes, day=days.astype("int32"), value=frame[value].to_numpy("float64"))

    @staticmethod
    def concat(parts: list[Ratios], keys: list[str]) -> Ratios:
        """One set of ratios with group codes common to all parts."""
        parts = [p for p in parts if len(p.group)]
        if not parts:
            return Ratios(pd.DataFrame(columns=keys), np.empty(0, "int32"), np.empty(0, "int32"), np.empty(0))
        table = pd.concat([p.groups for p in parts], ignore_index=True).drop_duplicates().reset_index(drop=True)
        table["_code"] = np.arange(len(table), dtype="int32")
        codes = []
        for p in parts:
            # merge matches missing keys with missing keys, as the groupby that made the codes grouped them
            mapping = p.groups.merge(table, on=keys, how="left")["_code"].to_numpy(dtype="int32")
            codes.append(mapping[p.group])
        return Ratios(groups=table.drop(columns="_code"), group=np.concatenate(codes),
                      day=np.concatenate([p.day for p in parts]), value=np.concatenate([p.value for p in parts]))

    def take(self, rows: np.ndarray) -> Ratios:
        """The rows at positions ``rows`` (the group table is kept whole)."""
        return Ratios(self.groups, self.group[rows], self.day[rows], self.value[rows])

    def shard(self, keys: list[str], shards: int) -> np.ndarray:
        """Each row's shard by its key columns and day: the same in every bucket and every process."""
        if not len(self.group):
            return np.empty(0, dtype="int64")
        by_group = key_hash(self.groups, keys)
        mixed = by_group[self.group] ^ (self.day.astype(np.uint64) * _GOLDEN)
        return (mixed % np.uint64(shards)).astype("int64")

    def frame(self, value: str) -> pd.DataFrame:
        return pd.DataFrame({"group": self.group, "day": self.day, value: self.value})

    def decode(self, result: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        """``result`` grouped by group code and day back to the key columns and UTC days, sorted by them."""
        out = self.groups.iloc[result["group"].to_numpy()].reset_index(drop=True)
        out["day"] = pd.to_datetime(result["day"].to_numpy(dtype="int64") * DAY_NS, utc=True)
        for column in result.columns.drop(["group", "day"]):
            out[column] = result[column].to_numpy()
        return out.sort_values([*keys, "day"], kind="stable", na_position="last").reset_index(drop=True)


def key_hash(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """A stable 64-bit hash of each row's ``keys`` (pandas' hash of the values as text; a missing key hashes as one
    value whatever the column's dtype in this bucket)."""
    if not len(frame):
        return np.empty(0, dtype=np.uint64)
    text = pd.DataFrame({k: frame[k].astype(object).where(frame[k].notna(), _MISSING).astype(str) for k in keys})
    return pd.util.hash_pandas_object(text, index=False).to_numpy(dtype=np.uint64)


def rows_by_shard(shard: np.ndarray, shards: int) -> list[np.ndarray]:
    """Row positions of each shard 0 … shards-1, in their original order (one sort, not one pass per shard)."""
    order = np.argsort(shard, kind="stable")
    return np.split(order, np.searchsorted(shard[order], np.arange(1, shards)))


def _by_key(frame: pd.DataFrame, keys: list[str], shards: int) -> list[pd.DataFrame]:
    if not len(frame):
        return [frame] * shards
    shard = (key_hash(frame, keys) % np.uint64(shards)).astype("int64")
    return [frame.iloc[rows] for rows in rows_by_shard(shard, shards)]


@dataclass
class BucketSummary:
    """What the coordinator keeps of one bucket's market pass: counts, the comparable category × currency × unit
    combinations (those with an own baseline) and whether any listing has an own baseline."""
    observations: int
    listings: int
    comparable: pd.DataFrame
    any_baseline: bool


@dataclass
class ShardPiece:
    """One bucket's rows for one shard: ratios by key × day, candidate and wanting peers by key."""
    index_ratios: Ratios
    market_ratios: Ratios
    product_frame: pd.DataFrame
    product_want: pd.DataFrame
    size_frame: pd.DataFrame
    size_want: pd.DataFrame


@dataclass
class ShardResult:
    """One shard's part of the market context."""
    medians: pd.DataFrame     # analysis.market.daily_medians rows of its keys × days
    levels: pd.DataFrame      # analysis.detectors.market_levels rows of its keys × days
    product: pd.DataFrame     # analysis.detect.product_peers of the wanting listings whose keys it holds
    size: pd.DataFrame        # analysis.detect.size_peers of the same


def split_parts(parts: MarketParts, shards: int, observations: int, listings: int
                ) -> tuple[BucketSummary, list[ShardPiece]]:
    """A bucket's :class:`analysis.detect.MarketParts` as its summary and one piece per shard."""
    # the index leaves out listings with a missing key (its groupby drops them); the monitor's levels keep them
    index = Ratios.pack(parts.index_ratios.dropna(subset=MARKET_KEYS), MARKET_KEYS, "ratio")
    market = Ratios.pack(parts.market_ratios, MARKET_KEYS, "relative")
    index_rows = rows_by_shard(index.shard(MARKET_KEYS, shards), shards)
    market_rows = rows_by_shard(market.shard(MARKET_KEYS, shards), shards)
    frame, want = peer_frames(parts.peer_base, parts.peer_meta, parts.wanted)
    has_product = "product_key" in frame
    product_frame = _by_key(frame.dropna(subset=["product_key"]) if has_product else frame.iloc[0:0],
                            PRODUCT_PEER_KEYS, shards)
    product_want = _by_key(want.dropna(subset=["product_key"]) if has_product else want.iloc[0:0],
                           PRODUCT_PEER_KEYS, shards)
    size_frame = _by_key(frame[frame["category"] != "other"], SIZE_PEER_KEYS, shards)
    size_want = _by_key(want[want["category"] != "other"], SIZE_PEER_KEYS, shards)
    pieces = [ShardPiece(index_ratios=index.take(index_rows[k]), market_ratios=market.take(market_rows[k]),
                         product_frame=product_frame[k], product_want=product_want[k],
                         size_frame=size_frame[k], size_want=size_want[k]) for k in range(shards)]
    base = parts.peer_base
    comparable = (base[["listing_id"]].join(parts.peer_meta[["category", "currency", "unit"]], on="listing_id")
                  .drop_duplicates(["category", "currency", "unit"])[["category", "currency", "unit"]]
                  if len(base) else pd.DataFrame(columns=["category", "currency", "unit"]))
    summary = BucketSummary(observations=observations, listings=listings, comparable=comparable,
                            any_baseline=bool(len(base)))
    return summary, pieces


def _cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    return pd.concat(kept) if kept else pd.DataFrame()


def reduce_shard(pieces: list[ShardPiece]) -> ShardResult:
    """One shard's figures from its pieces of every bucket."""
    index = Ratios.concat([p.index_ratios for p in pieces], MARKET_KEYS)
    medians = (index.decode(daily_medians(index.frame("ratio"), keys=["group"]), MARKET_KEYS) if len(index.group)
               else pd.DataFrame())
    market = Ratios.concat([p.market_ratios for p in pieces], MARKET_KEYS)
    levels = (market.decode(market_levels(market.frame("relative"), keys=["group"]), MARKET_KEYS)
              if len(market.group) else pd.DataFrame())
    product = _peers(product_peers, [p.product_frame for p in pieces], [p.product_want for p in pieces])
    size = _peers(size_peers, [p.size_frame for p in pieces], [p.size_want for p in pieces])
    return ShardResult(medians=medians, levels=levels, product=product, size=size)


def _peers(function, frames: list[pd.DataFrame], wants: list[pd.DataFrame]) -> pd.DataFrame:  # noqa: ANN001
    frame, want = _cat(frames), _cat(wants)
    return function(frame, want) if len(frame) and len(want) else pd.DataFrame()


def context_from(summaries: list[BucketSummary], results: list[ShardResult]) -> MarketContext:
    """The market context from every bucket's summary and every shard's result: exactly that of
    :func:`analysis.detect.market_context` over all listings at once."""
    medians = _cat([r.medians for r in results])
    if len(medians):
        medians = medians.sort_values([*MARKET_KEYS, "day"], kind="stable").reset_index(drop=True)
        index = smooth_index(medians, MARKET_KEYS)[[*MARKET_KEYS, "day", "index", "n_listings"]]
    else:
        index = pd.DataFrame(columns=[*MARKET_KEYS, "day", "index", "n_listings"])
    levels = _cat([r.levels for r in results])
    if len(levels):
        levels = (levels.sort_values([*MARKET_KEYS, "day"], kind="stable", na_position="last")
                  .reset_index(drop=True)[[*MARKET_KEYS, "day", "level"]])
    else:
        levels = pd.DataFrame(columns=[*MARKET_KEYS, "day", "level"])
    comparable = _cat([s.comparable for s in summaries])
    comparable = (comparable.drop_duplicates().reset_index(drop=True) if len(comparable)
                  else pd.DataFrame(columns=["category", "currency", "unit"]))
    any_baseline = any(s.any_baseline for s in summaries)
    peers = choose_peers(_cat([r.product for r in results]), _cat([r.size for r in results])) if any_baseline \
        else pd.DataFrame(columns=PEER_COLUMNS)
    return MarketContext(index=index, levels=levels, comparable=comparable, peers=peers, any_baseline=any_baseline)


__all__ = ["BucketSummary", "Ratios", "ShardPiece", "ShardResult", "context_from", "key_hash", "reduce_shard",
           "split_parts"]
