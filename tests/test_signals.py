"""analysis.signals on plain DataFrames: which episodes a confirmed report or a page/feed discrepancy touches.

Both signals match a listing's dated pages against the episode's span with a day of slack either side
(``REPORT_SLACK``); the database-backed stories are in test_public_reports.py and test_reconcile.py.
"""

from __future__ import annotations

import pandas as pd

from analysis.signals import escalate_reported, flag_feed_conflicts

T0 = pd.Timestamp("2026-03-01 08:00", tz="UTC")


def _episodes() -> pd.DataFrame:
    return pd.DataFrame({
        "listing_id": [1, 2, 3, 4],
        "rule": ["cn_price_law"] * 4,
        "baseline_kind": ["own"] * 4,
        "first_violation_at": [T0, T0, T0, T0],
        # listing 3's episode has no last violation yet: its span is its first violation alone
        "last_violation_at": [T0 + pd.Timedelta(days=3), T0 + pd.Timedelta(days=3), pd.NaT,
                              T0 + pd.Timedelta(days=1)],
        "severity": ["watch", "severe", "alert", "egregious"],
        "flags": [["new_seller"], None, [], []],
    }, index=[10, 11, 12, 13])


def _pages(*rows: tuple[int, pd.Timestamp]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["listing_id", "page_observed_at"])


def test_a_report_seen_during_the_episode_or_within_a_day_of_it_raises_one_tier():
    reports = _pages(
        (1, T0 + pd.Timedelta(days=2)),  # inside
        (2, T0 - pd.Timedelta(hours=23)),  # a day of slack before the first violation
        (3, T0 + pd.Timedelta(hours=25)),  # no last violation: more than a day after the first
        (4, T0 + pd.Timedelta(days=2)),  # exactly a day after the last: still inside
    )
    out = escalate_reported(_episodes(), reports)
    assert list(out["severity"]) == ["alert", "egregious", "alert", "egregious"]  # egregious stays the top
    assert list(out["flags"]) == [["new_seller", "public_report_confirmed"], ["public_report_confirmed"], [],
                                  ["public_report_confirmed"]]
    assert list(out.index) == [10, 11, 12, 13]


def test_a_report_on_another_listing_or_long_before_changes_nothing():
    episodes = _episodes()
    reports = _pages((9, T0), (1, T0 - pd.Timedelta(days=1, seconds=1)))
    out = escalate_reported(episodes, reports)
    pd.testing.assert_frame_equal(out, episodes)


def test_a_page_disagreeing_with_the_feed_during_the_episode_is_flagged_without_changing_severity():
    discrepancies = _pages((1, T0 + pd.Timedelta(days=4)), (3, T0 + pd.Timedelta(hours=1)),
                           (4, T0 + pd.Timedelta(days=2, seconds=1)))
    episodes = _episodes()
    out = flag_feed_conflicts(episodes, discrepancies)
    assert list(out["flags"]) == [["feed_page_conflict", "new_seller"], None, ["feed_page_conflict"], []]
    assert list(out["severity"]) == list(episodes["severity"])
    assert list(episodes["flags"]) == [["new_seller"], None, [], []]  # the input is left as it was
