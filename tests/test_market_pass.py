"""The market pass split by key into shards gives exactly the market context of one pass over all listings.

Bucket by bucket, each bucket's parts are split into shards (category × currency × unit × day for the index and
the monitor's levels; product and size-class keys for the peers) and each shard is reduced on its own; put
together, the index, the market levels, the comparable combinations and every peer baseline must equal
:func:`analysis.detect.market_context` over everything, whatever the numbers of buckets and shards.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.detect import market_context, market_parts, prepare
from analysis.presets import load_presets
from pricewatch.detect.buckets import listing_ranges
from pricewatch.detect.load import load_listings, load_observations
from pricewatch.detect.market_pass import context_from, key_hash, reduce_shard
from pricewatch.detect.partitions import LISTING_COLUMNS, bucket_parts
from pricewatch.emergency import add_emergency, emergencies_frame
from pricewatch.ingest import ingest_frame
from pricewatch.simulate.scenario import build_scenario


@pytest.fixture(scope="module")
def market(module_db):
    scenario = build_scenario(n_listings=300, days=50, emergency_day=25, seed=31)
    assert ingest_frame(module_db, scenario.feed(), source="scenario").rejected == 0
    for e in scenario.emergency:
        if e["jurisdiction"] == "CN":  # the US listings are left to the monitor: its market levels are used
            add_emergency(module_db, name=e["name"], jurisdiction=e["jurisdiction"],
                          start=e["start"].to_pydatetime(), rules=e["rules"])
    emergencies, presets = emergencies_frame(module_db), load_presets()
    prep = prepare(load_observations(module_db, with_shipping=True), load_listings(module_db)[LISTING_COLUMNS],
                   emergencies, presets)
    return module_db, emergencies, presets, market_context(market_parts(prep))


def _sharded(db, emergencies, presets, partitions: int, shards: int):
    maps = [bucket_parts(b, db, emergencies, presets, True, None, shards) for b in listing_ranges(db, partitions)]
    results = [reduce_shard([pieces[k] for _, pieces in maps]) for k in range(shards)]
    return context_from([summary for summary, _ in maps], results)


def _rows(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, na_position="last").reset_index(drop=True)


@pytest.mark.parametrize(("partitions", "shards"), [(1, 1), (1, 5), (4, 4), (3, 7)])
def test_sharded_market_context_equals_one_pass(market, partitions, shards):
    db, emergencies, presets, plain = market
    # the panel exercises every part: an index, monitor levels, peers of both kinds
    assert len(plain.index) and len(plain.levels) and plain.any_baseline
    assert set(plain.peers["peer_statistic"]) == {"median", "p90"}
    split = _sharded(db, emergencies, presets, partitions, shards)

    pd.testing.assert_frame_equal(plain.index.reset_index(drop=True), split.index, check_exact=True,
                                  check_dtype=False)
    keys = ["category", "currency", "unit", "day"]
    pd.testing.assert_frame_equal(_rows(plain.levels, keys), _rows(split.levels, keys), check_exact=True,
                                  check_dtype=False)
    assert set(map(tuple, plain.comparable.to_numpy())) == set(map(tuple, split.comparable.to_numpy()))
    pd.testing.assert_frame_equal(plain.peers.sort_index()[split.peers.columns], split.peers.sort_index(),
                                  check_exact=True, check_dtype=False)
    assert split.any_baseline == plain.any_baseline


def test_shards_divide_the_work(market):
    """Every shard gets a share: no shard is handed everything (the point of sharding)."""
    db, emergencies, presets, _ = market
    (_, pieces), = [bucket_parts(b, db, emergencies, presets, True, None, 4) for b in listing_ranges(db, 1)]
    sizes = np.array([len(p.index_ratios.group) + len(p.market_ratios.group) for p in pieces])
    assert (sizes > 0).all() and sizes.max() < sizes.sum() * 0.6


def test_key_hash_is_the_same_in_another_process_and_for_a_missing_key_in_any_dtype():
    keys = pd.DataFrame({"category": ["mask.surgical", None, "gloves"], "unit": ["piece", "ml", None]})
    here = key_hash(keys, ["category", "unit"]).tolist()
    code = ("import pandas as pd; from pricewatch.detect.market_pass import key_hash; "
            "print(key_hash(pd.DataFrame({'category': ['mask.surgical', None, 'gloves'], "
            "'unit': ['piece', 'ml', None]}), ['category', 'unit']).tolist())")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert there.strip() == str(here)
    # a bucket whose unit column is all missing (float NaN) sends those rows where an object column's None goes
    floats = pd.DataFrame({"category": ["mask.surgical"], "unit": [np.nan]})
    objects = pd.DataFrame({"category": ["mask.surgical"], "unit": pd.Series([None], dtype=object)})
    assert key_hash(floats, ["category", "unit"]).tolist() == key_hash(objects, ["category", "unit"]).tolist()
