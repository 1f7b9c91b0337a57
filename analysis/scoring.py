"""Scoring a detector against ground truth: precision, recall, F1, per-behaviour rates."""

from __future__ import annotations

import pandas as pd


def score(truth: pd.DataFrame, flagged: str) -> tuple[pd.DataFrame, dict]:
    """``truth`` has one row per listing with ``behaviour``, ``gouging`` (bool) and the boolean column ``flagged``.

    Returns (per-behaviour table: behaviour, listings, flagged, rate; overall: precision, recall, f1, tp, fp, fn).
    For gouging behaviours the rate is the recall; for clean ones it is the false-alarm rate.
    """
    pred = truth[flagged].astype(bool)
    gold = truth["gouging"].astype(bool)
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    table = truth.assign(_p=pred).groupby("behaviour")["_p"].agg(listings="size", flagged="sum").reset_index()
    table["rate"] = table["flagged"] / table["listings"]
    table["flagged"] = table["flagged"].astype(int)
    return table, {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
