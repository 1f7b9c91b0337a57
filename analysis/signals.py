"""Signals beside prices that change how far a violation goes: confirmed public reports, formal warnings and
disagreements between a listing's crawled page and its platform's feed.

Pure functions on DataFrames (no database, no pricewatch imports), applied to the episodes of
``analysis.detect.detect`` after flags are set. ``episodes`` needs ``listing_id``, ``rule``, ``baseline_kind``,
``first_violation_at``, ``last_violation_at`` (UTC), ``severity`` and ``flags`` (lists); each function returns a
copy with ``severity`` and ``flags`` adjusted and never adds or removes an episode — a report, a warning or a
discrepancy alone is never a violation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIERS = ("watch", "alert", "severe", "egregious")
REPORT_SLACK = pd.Timedelta(days=1)


def _with_flag(flags: pd.Series, mask: np.ndarray, flag: str) -> pd.Series:
    out = flags.copy()
    for i in np.flatnonzero(mask):
        out.iat[i] = sorted(set(out.iat[i] or ()) | {flag})
    return out


def _seen_during(episodes: pd.DataFrame, pages: pd.DataFrame) -> np.ndarray:
    """A boolean per episode: does ``pages`` (``listing_id``, ``page_observed_at`` UTC) hold a page of the
    episode's listing seen from ``REPORT_SLACK`` before its first violation to ``REPORT_SLACK`` after its last
    (its first when the last is missing)?"""
    pairs = episodes[["listing_id", "first_violation_at", "last_violation_at"]].reset_index().merge(
        pages[["listing_id", "page_observed_at"]], on="listing_id")
    first = pd.to_datetime(pairs["first_violation_at"], utc=True)
    last = pd.to_datetime(pairs["last_violation_at"], utc=True).fillna(first)
    seen = pd.to_datetime(pairs["page_observed_at"], utc=True)
    inside = (seen >= first - REPORT_SLACK) & (seen <= last + REPORT_SLACK)
    return episodes.index.isin(pairs.loc[inside, "index"].unique())


def escalate_reported(episodes: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """One tier up (``watch`` → ``alert`` → ``severe`` → ``egregious``) and flag ``public_report_confirmed`` for
    each episode whose listing has a confirmed public report whose crawled page was seen during the episode (a day
    of slack either side).

    ``reports``: ``listing_id``, ``page_observed_at`` (UTC; the time of the crawled page that confirmed it).
    """
    out = episodes.copy()
    if out.empty or reports.empty:
        return out
    hit = _seen_during(out, reports)
    if not hit.any():
        return out
    rank = out["severity"].map({t: i for i, t in enumerate(TIERS)}).fillna(0).astype(int)
    raised = np.minimum(rank + 1, len(TIERS) - 1)
    out.loc[hit, "severity"] = [TIERS[r] for r in raised[hit]]
    out["flags"] = _with_flag(out["flags"], hit, "public_report_confirmed")
    return out


def apply_warnings(episodes: pd.DataFrame, warnings: pd.DataFrame, required: dict[str, tuple[str, ...]]
                   ) -> pd.DataFrame:
    """Hold back episodes whose rule needs a prior formal warning (告诫) until one was issued and ignored.

    ``required``: rule → the baseline kinds (``own``, ``peer``, ``cap``) for which that rule applies only after a
    warning (from the presets' ``warning_required``). ``warnings``: ``listing_id``, ``issued_at``, ``correct_by``
    (UTC) — a warning on a seller is given once per listing of that seller. For such an episode:

    - no warning issued before its last violation: severity ``watch``, flag ``awaiting_warning``;
    - warned, but the violation has not gone on past ``correct_by``: severity ``watch``, flag ``warned``;
    - warned and still violating after ``correct_by``: severity as graded, flag ``warning_ignored``.
    """
    out = episodes.copy()
    if out.empty or not required:
        return out
    needs = np.array([kind in required.get(rule, ()) for rule, kind in zip(out["rule"], out["baseline_kind"])],
                     dtype=bool)
    if not needs.any():
        return out
    last = pd.to_datetime(out["last_violation_at"], utc=True).fillna(pd.to_datetime(out["first_violation_at"],
                                                                                       utc=True))
    warned = np.zeros(len(out), dtype=bool)
    ignored = np.zeros(len(out), dtype=bool)
    if not warnings.empty:
        pairs = pd.DataFrame({"pos": np.arange(len(out)), "listing_id": out["listing_id"].to_numpy(),
                              "last": last.to_numpy()}).merge(warnings[["listing_id", "issued_at", "correct_by"]],
                                                              on="listing_id")
        issued = pd.to_datetime(pairs["issued_at"], utc=True)
        deadline = pd.to_datetime(pairs["correct_by"], utc=True)
        before = issued <= pd.to_datetime(pairs["last"], utc=True)
        warned[pairs.loc[before, "pos"].unique()] = True
        past = before & (pd.to_datetime(pairs["last"], utc=True) > deadline)
        ignored[pairs.loc[past, "pos"].unique()] = True
    held = needs & ~ignored
    out.loc[held, "severity"] = "watch"
    out["flags"] = _with_flag(out["flags"], needs & ~warned, "awaiting_warning")
    out["flags"] = _with_flag(out["flags"], needs & warned & ~ignored, "warned")
    out["flags"] = _with_flag(out["flags"], needs & ignored, "warning_ignored")
    return out


def flag_feed_conflicts(episodes: pd.DataFrame, discrepancies: pd.DataFrame) -> pd.DataFrame:
    """Flag ``feed_page_conflict`` on episodes whose listing's crawled page disagreed with its platform's feed
    during the episode (a day of slack either side). ``discrepancies``: ``listing_id``, ``page_observed_at``.
    Severity is not changed: the page's own price is already among the observations detection judged."""
    out = episodes.copy()
    if out.empty or discrepancies.empty:
        return out
    out["flags"] = _with_flag(out["flags"], _seen_during(out, discrepancies), "feed_page_conflict")
    return out
