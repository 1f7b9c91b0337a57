"""Severity of a violation episode: a triage order for reviewers, not a second legal test.

Whether a listing is flagged is decided by the preset's line (analysis.violations). Severity ranks what was
flagged so that a reviewer reads the clearest cases first. It rests on three things:

1. the **sustained** increase net of market movement — the median over the episode's days of
   ``unit price / (baseline × market index) − 1`` — rather than its peak (one extreme day does not make a case);
2. how **certain** the comparison is (``certainty`` in 0…1, multiplied in):

   ============================================  =========
   baseline: the listing's own history           1.0
   baseline: own, but only one or two days       0.75
   baseline: the same product sold by others     0.75
   baseline: size-class peers (p90)              0.5
   quantity from the feed's ``pack_size``        × 1.0
   quantity read from the title                  × 0.9
   quantity by the single-unit convention        × 0.9
   ============================================  =========

3. tiers on the effective increase (sustained × certainty), in percent, calibrated on the gouging regulators
   actually saw (RULES.md §3): ``egregious`` ≥ 400 — beyond the worst typical cases (UK sanitiser's median rise
   +367 %; the Beijing ¥850 vs ¥143 case was ~6×); ``severe`` ≥ 150 — the typical cases (Amazon masks +166 %,
   entrants +178 % in Cabral & Xu); ``alert`` ≥ 50 (the PIRG / 33-AG letter screen); ``watch`` below (over the legal
   line, but by less). On the demo market (gouging drawn at 1.6–6×) this leaves egregious a minority.

The generic review tiers of RULES.md §5.3 (10/25/50/100) remain :func:`analysis.presets.severity`, used for the
monitor's level shifts where no baseline provenance exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIERS = ((400.0, "egregious"), (150.0, "severe"), (50.0, "alert"))
BASELINE_CERTAINTY = {"own": 1.0, "own_short": 0.75, "peer_product": 0.75, "peer_size": 0.5, "cap": 1.0}
QUANTITY_CERTAINTY = {"pack_size": 1.0, "default_single": 0.9}  # any "title:<rule>" is 0.9; unknown is 1.0


def certainty(episodes: pd.DataFrame) -> pd.Series:
    """Certainty of each episode's comparison (see the module docstring); columns used when present:
    ``baseline_kind``, ``short_history``, ``peer_statistic``, ``quantity_source``."""
    kind = episodes["baseline_kind"].astype(object).fillna("own")
    short = episodes.get("short_history", pd.Series(False, index=episodes.index)).fillna(False).astype(bool)
    statistic = episodes.get("peer_statistic", pd.Series(None, index=episodes.index)).astype(object)
    detailed = np.where((kind == "own") & short, "own_short",
                        np.where(kind == "peer", np.where(statistic == "median", "peer_product", "peer_size"), kind))
    base = pd.Series(detailed, index=episodes.index).map(BASELINE_CERTAINTY).fillna(1.0)
    source = episodes.get("quantity_source", pd.Series(None, index=episodes.index)).astype(object)
    qty = source.map(QUANTITY_CERTAINTY)
    qty = qty.where(qty.notna(), np.where(source.astype(str).str.startswith("title:"), 0.9, 1.0))
    return (base * qty.astype("float64")).astype("float64")


def grade(sustained_pct: pd.Series, certainty_: pd.Series) -> pd.Series:
    """Severity tier per episode from the sustained increase (percent) and the certainty."""
    effective = sustained_pct.astype("float64") * certainty_.astype("float64")
    out = pd.Series("watch", index=sustained_pct.index, dtype=object)
    for bound, name in reversed(TIERS):
        out[effective >= bound] = name
    return out
