"""What a detection run evaluated, and why it could not evaluate the rest.

Every listing gets one ``status`` and, when it was not evaluated under an emergency, one ``reason`` — the first
that applies, in this order:

================================  =============================================================================
reason                            meaning
================================  =============================================================================
``outside_emergency``             no emergency covers the listing (its region, or its category: by default an
                                  emergency covers the protective-goods categories only), or none of its usable
                                  observations falls inside the emergency's period
``no_quantity``                   no usable unit price: the pack quantity could not be read (the listing's
                                  ``unnormalised_reason`` says why when normalisation recorded one), or every
                                  observation was out of stock / a placeholder price
``too_few_days``                  fewer than two observed days while the emergency was in force (a violation needs
                                  two: persistence)
``no_currency_unit_match``        no history of its own, and no listing of its category sells in the same currency
                                  and unit with a baseline: nothing comparable exists
``no_baseline``                   no history of its own, and too few same-product or same-size-class peers
================================  =============================================================================

``status`` is ``evaluated`` (judged under an emergency's rule), ``monitored`` (no emergency covers it; the
early-warning monitor watched it — protective goods only) or ``not_evaluated``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REASONS = ("outside_emergency", "no_quantity", "too_few_days", "no_currency_unit_match", "no_baseline")
COVERAGE_COLUMNS = ["listing_id", "status", "reason", "detail", "emergency_id", "rule", "baseline_kind"]


def coverage_report(daily: pd.DataFrame, meta: pd.DataFrame, targets: pd.DataFrame, comparable: pd.DataFrame,
                    monitored: pd.Index) -> pd.DataFrame:
    """One row per listing of ``meta`` (indexed by listing_id) with :data:`COVERAGE_COLUMNS`.

    ``daily``: the daily series of usable observations; ``targets``: the covered listings with start, end,
    baseline, baseline_kind, rule, emergency_id, category, currency, unit; ``comparable``: category, currency, unit
    combinations that have at least one listing with its own baseline; ``monitored``: the listings the early-warning
    monitor watched (those no emergency covers, in the categories it watches).
    """
    out = pd.DataFrame(index=meta.index.rename("listing_id"))
    out["status"] = "not_evaluated"
    out["reason"] = None
    out["detail"] = meta.get("unnormalised_reason")
    out["emergency_id"] = targets["emergency_id"].reindex(out.index)
    out["rule"] = targets["rule"].reindex(out.index)
    out["baseline_kind"] = targets["baseline_kind"].reindex(out.index).where(
        targets["baseline"].reindex(out.index).notna())

    usable_days = daily.groupby("listing_id").size().reindex(out.index).fillna(0)
    covered = out.index.isin(targets.index)
    if len(targets):
        frame = daily.merge(targets[["start", "end"]], left_on="listing_id", right_index=True)
        in_force = (frame["last_at"] >= frame["start"]) & (frame["end"].isna() | (frame["day"] <= frame["end"]))
        force_days = frame[in_force].groupby("listing_id").size().reindex(out.index).fillna(0)
    else:
        force_days = pd.Series(0, index=out.index)
    has_baseline = targets["baseline"].reindex(out.index).notna().to_numpy()
    key = pd.MultiIndex.from_frame(meta[["category", "currency", "unit"]].astype(object))
    known = pd.MultiIndex.from_frame(comparable[["category", "currency", "unit"]].astype(object)) \
        if len(comparable) else pd.MultiIndex.from_tuples([], names=["category", "currency", "unit"])
    matching = key.isin(known)

    no_usable = (usable_days == 0).to_numpy()
    reason = np.select(
        [~covered, no_usable, force_days.to_numpy() == 0, force_days.to_numpy() < 2, ~has_baseline & ~matching,
         ~has_baseline],
        ["outside_emergency", "no_quantity", "outside_emergency", "too_few_days", "no_currency_unit_match",
         "no_baseline"],
        default="",
    )
    out["reason"] = np.where(reason == "", None, reason)
    out.loc[out["reason"].isna(), "status"] = "evaluated"
    out.loc[~covered & ~no_usable & out.index.isin(monitored), "status"] = "monitored"
    out["detail"] = out["detail"].where(out["reason"] == "no_quantity")
    return out.reset_index()[COVERAGE_COLUMNS]


def coverage_summary(report: pd.DataFrame) -> pd.DataFrame:
    """Counts by status and reason: status, reason, listings (reason None for evaluated/monitored totals)."""
    grouped = report.assign(reason=report["reason"].fillna("")).groupby(["status", "reason"], sort=False)
    out = grouped.size().rename("listings").reset_index()
    out["reason"] = out["reason"].replace("", None)
    order = {"evaluated": 0, "monitored": 1, "not_evaluated": 2}
    out["_o"] = out["status"].map(order)
    out["_r"] = out["reason"].map({r: i for i, r in enumerate(REASONS)}).fillna(-1)
    return out.sort_values(["_o", "_r"]).drop(columns=["_o", "_r"]).reset_index(drop=True)


def combine_summaries(summaries: list[pd.DataFrame]) -> pd.DataFrame:
    """The :func:`coverage_summary` of several disjoint sets of listings added up, in the same order."""
    kept = [s for s in summaries if len(s)]
    if not kept:
        return pd.DataFrame(columns=["status", "reason", "listings"])
    frame = pd.concat(kept, ignore_index=True)
    grouped = frame.assign(reason=frame["reason"].fillna("")).groupby(["status", "reason"], sort=False)
    out = grouped["listings"].sum().reset_index()
    out["reason"] = out["reason"].replace("", None)
    order = {"evaluated": 0, "monitored": 1, "not_evaluated": 2}
    out["_o"] = out["status"].map(order)
    out["_r"] = out["reason"].map({r: i for i, r in enumerate(REASONS)}).fillna(-1)
    return out.sort_values(["_o", "_r"]).drop(columns=["_o", "_r"]).reset_index(drop=True)
