"""`pricewatch detect --partitions N`: the same alerts as a plain run, computed bucket by bucket.

The market is the labelled scenario (every behaviour: stable, promotions, pack changes, sold-out placeholders, a
category whose costs rise for everyone, glitches, gaps, delisted listings, new sellers fair and gouging, sudden,
ramping and temporary gouging, shipping hikes) on two platforms per country. Peers, the category index and the
monitor's market levels need all listings, so a bucket that saw only its own listings would judge differently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, select, text

from pricewatch.detect import run_detection
from pricewatch.detect.buckets import Bucket, buckets_from_bounds, listing_ranges
from pricewatch.detect.load import _plan_for_reading, load_listings, load_observations
from pricewatch.detect.partitions import run_partitioned
from pricewatch.detect.run import last_run
from pricewatch.emergency import add_emergency
from pricewatch.ingest import ingest_frame
from pricewatch.simulate.scenario import build_scenario
from pricewatch.store.models import Alert, Base, DetectRun, Platform, WebhookDelivery, WebhookEndpoint

#: everything an alert says; ids and detection times differ between runs by nature
ALERT_FIELDS = ["listing_id", "rule", "emergency_id", "status", "severity", "first_violation_at",
                "last_violation_at", "baseline_unit_price", "baseline_method", "baseline_window_start",
                "baseline_window_end", "baseline_n", "observed_unit_price", "unit", "currency", "increase_pct",
                "explanation", "flags", "evidence"]


@pytest.fixture(scope="module")
def scenario():
    return build_scenario(n_listings=420, days=60, emergency_day=30, seed=23)


def _load(db, scenario, *, regions=("CN", "US-CA")):
    stats = ingest_frame(db, scenario.feed(), source="scenario")
    assert stats.rejected == 0
    for e in scenario.emergency:
        if e["jurisdiction"] in regions:
            add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                          rules=e["rules"])
    with db.session() as s:  # every alert change also writes an outbox row (one endpoint per platform)
        for platform in s.scalars(select(Platform)):
            s.add(WebhookEndpoint(platform_id=platform.id, url="http://127.0.0.1:9/hook",
                                  secrets=[{"secret": "whsec_partitions"}]))
        s.commit()
    return db


def alerts(db) -> pd.DataFrame:
    with db.session() as s:
        rows = s.execute(select(*[getattr(Alert, f) for f in ALERT_FIELDS])).all()
    return (pd.DataFrame(rows, columns=ALERT_FIELDS).sort_values(["listing_id", "rule", "first_violation_at"])
            .reset_index(drop=True))


def outbox(db) -> list[tuple[str, int]]:
    with db.session() as s:
        rows = s.execute(select(WebhookDelivery.event_type, WebhookDelivery.payload)).all()
    return sorted((t, p["listing"]["listing_id"]) for t, p in rows)


def forget_alerts(db) -> None:
    """Delete the alerts, whatever refers to them, the outbox and the runs: the database as before detection."""
    alert = Base.metadata.tables["alert"]
    with db.session() as s:
        for table in reversed(Base.metadata.sorted_tables):
            if table is alert or any(fk.column.table is alert for fk in table.foreign_keys):
                s.execute(delete(table))
        s.execute(delete(WebhookDelivery))
        s.execute(delete(DetectRun))
        s.commit()


def plain_then_partitioned(db, partitions: int, keep_frames: bool = True, **kw):
    plain = run_detection(db, **kw)
    before, events, coverage = alerts(db), outbox(db), last_run(db).coverage
    forget_alerts(db)
    split = run_partitioned(db, partitions, keep_frames=keep_frames, **kw)
    return plain, split, before, events, coverage


def assert_same_alerts(before: pd.DataFrame, after: pd.DataFrame) -> None:
    assert len(before) == len(after)
    pd.testing.assert_frame_equal(before, after, check_exact=True)


@pytest.mark.parametrize("partitions", [1, 4, 7])
def test_partitioned_run_opens_exactly_the_alerts_of_a_plain_run(db, scenario, partitions):
    _load(db, scenario)
    plain, split, before, events, coverage = plain_then_partitioned(db, partitions)
    after = alerts(db)
    assert len(before) > 50 and before["rule"].nunique() >= 2
    # new sellers are judged against peers in other buckets: peer baselines must be among the alerts
    assert before["baseline_method"].str.startswith("peer_").any()
    assert_same_alerts(before, after)
    assert outbox(db) == events and len(events) >= len(before)
    assert split.episodes == plain.episodes and split.by_rule == plain.by_rule
    assert (split.observations, split.listings) == (plain.observations, plain.listings)
    assert (split.alerts.opened, split.alerts.closed) == (plain.alerts.opened, plain.alerts.closed)
    assert last_run(db).coverage == coverage


def test_partitioned_monitor_uses_the_whole_markets_movement(db, scenario):
    # no emergency in the US: its listings are watched by the level-shift monitor, net of market movement
    _load(db, scenario, regions=("CN",))
    plain, split, before, events, coverage = plain_then_partitioned(db, 5)
    assert (before["rule"] == "monitor-level-shift").sum() >= 5
    assert_same_alerts(before, alerts(db))
    assert outbox(db) == events
    assert last_run(db).coverage == coverage
    assert split.monitored == plain.monitored > 0


def test_buckets_reread_from_the_database_give_the_same_alerts(db, scenario, tmp_path, monkeypatch):
    """Without frames kept between the passes (a bucket judged on another machine) the judging pass reads the
    database again: same alerts; and the frames kept in the temporary directory are gone after a run."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _load(db, scenario)
    plain, split, before, events, coverage = plain_then_partitioned(db, 3, keep_frames=False)
    assert_same_alerts(before, alerts(db))
    forget_alerts(db)
    run_partitioned(db, 3)
    assert_same_alerts(before, alerts(db))
    assert not list(tmp_path.glob("pricewatch-buckets-*"))


def test_partitioned_rerun_changes_nothing(db, scenario):
    _load(db, scenario)
    first = run_partitioned(db, 3)
    before, events = alerts(db), outbox(db)
    again = run_partitioned(db, 5)
    assert (again.alerts.opened, again.alerts.updated, again.alerts.closed) == (0, 0, 0)
    assert again.alerts.unchanged == first.alerts.opened > 0
    assert_same_alerts(before, alerts(db))
    assert outbox(db) == events
    # and a plain run agrees with what the buckets stored
    assert run_detection(db).alerts.opened == 0


def _inside(bucket: Bucket, listing_ids) -> np.ndarray:
    """Which of ``listing_ids`` lie in ``bucket``'s range, tested in Python (the database applies
    :meth:`Bucket.condition` in SQL; the two must agree)."""
    ids = np.asarray(listing_ids, dtype="int64")
    return ((ids >= bucket.lo) if bucket.lo is not None else np.ones(len(ids), bool)) & \
        ((ids < bucket.hi) if bucket.hi is not None else np.ones(len(ids), bool))


def test_buckets_split_listings_into_disjoint_sets_that_cover_them_all(db, scenario):
    _load(db, scenario)
    everything = load_observations(db)
    every = listing_ranges(db, 4)
    assert [b.index for b in every] == [0, 1, 2, 3] and {b.count for b in every} == {4}
    assert every[0].lo is None and every[-1].hi is None  # open at both ends: every id has a bucket
    seen_listings, seen_rows, sizes = [], 0, []
    for bucket in every:
        obs = load_observations(db, bucket=bucket)
        listings = load_listings(db, bucket=bucket)
        assert set(obs["listing_id"]) <= set(listings.index)
        # the SQL condition and the Python one agree
        assert _inside(bucket, listings.index).all()
        assert not _inside(bucket, everything.loc[~everything["listing_id"].isin(listings.index),
                                                  "listing_id"]).any()
        seen_listings += list(listings.index)
        seen_rows += len(obs)
        sizes.append(len(listings))
    assert seen_rows == len(everything)
    assert sorted(seen_listings) == sorted(load_listings(db).index)
    assert len(set(seen_listings)) == len(seen_listings)
    # about equal numbers of listings per bucket (NTILE: sizes differ by at most one)
    assert max(sizes) - min(sizes) <= 1, sizes
    # ranges: each bucket's ids lie above the previous bucket's
    firsts = [b.lo for b in every[1:]]
    assert firsts == sorted(firsts) and len(set(firsts)) == 3


def test_a_listing_added_after_the_ranges_were_drawn_falls_in_the_last_bucket():
    every = buckets_from_bounds([100, 200], 3)
    assert [(b.lo, b.hi) for b in every] == [(None, 100), (100, 200), (200, None)]
    assert [_inside(b, [10**9]).item() for b in every] == [False, False, True]
    assert [_inside(b, [99, 100, 199]).tolist() for b in every] == \
        [[True, False, False], [False, True, True], [False, False, False]]


def test_fewer_listings_than_buckets_leave_empty_buckets(db):
    assert [(b.lo, b.hi) for b in listing_ranges(db, 3)] == [(None, 0), (0, 0), (0, None)]  # no listings at all
    every = buckets_from_bounds([7], 4)  # two listings (ids 3 and 7) in four buckets
    assert [(b.lo, b.hi) for b in every] == [(None, 7), (7, 7), (7, 7), (7, None)]
    assert sum(_inside(b, [3, 7]).sum() for b in every) == 2


def test_bucket_bounds_are_checked():
    with pytest.raises(ValueError, match="bucket 4 of 4"):
        Bucket(4, 4)
    with pytest.raises(ValueError, match="upper bound 3 below lower 5"):
        Bucket(0, 2, 5, 3)
    with pytest.raises(ValueError, match="0 buckets"):
        listing_ranges(None, 0)


def test_cli_detect_partitions(db, scenario, run_cli):
    _load(db, scenario)
    result = run_cli("detect", "--partitions", "3")
    assert result.exit_code == 0, result.output
    assert "3 buckets" in result.output and "opened" in result.output
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) > 0
    bad = run_cli("detect", "--partitions", "0")
    assert bad.exit_code != 0 and "--partitions" in bad.output


def test_empty_database_partitioned(db):
    stats = run_partitioned(db, 3)
    assert stats.observations == 0 and stats.episodes == 0
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM detect_run")).scalar() == 1


def test_a_bounded_bucket_is_read_through_the_id_index_without_jit(db, scenario):
    """PostgreSQL: a bucket's reads run with JIT off and, for a bounded id range, without sequential scans — the
    planner otherwise reads every page of every month per bucket (load.py, ``_plan_for_reading``). SQLite: no
    settings, the same rows."""
    _load(db, scenario)
    bucket = listing_ranges(db, 4)[1]
    assert bucket.lo is not None and bucket.hi is not None
    sql = f"SELECT listing_id, price FROM price_observation WHERE {bucket.condition('listing_id')}"
    with db.engine.connect() as conn:
        _plan_for_reading(conn, db, bucket)
        if db.dialect == "sqlite":
            assert len(conn.exec_driver_sql(sql).all()) == len(load_observations(db, bucket=bucket))
            return
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
        assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "off"
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
    assert "Seq Scan" not in plan and "Index" in plan, plan
    with db.engine.connect() as conn:  # SET LOCAL: gone with the read's transaction
        assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "on"
        _plan_for_reading(conn, db, listing_ranges(db, 1)[0])  # no bounds: a scan of everything stays allowed
        assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "on"
        assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
