"""Plain-language explanations of violation episodes, for regulators and platforms.

Example: "Unit price rose from ¥0.60 to ¥3.05 per mask (+408%) on 2020-02-12, above the pre-emergency baseline
(last_before: median of 9 observations 2020-02-03…2020-02-09); cn-samr-2020 allows no increase (tolerance 2%);
market index for mask.surgical moved +0% in the same period. Presumptive (prima facie): the seller may show cost
increases."
"""

from __future__ import annotations

import pandas as pd

from analysis.presets import Preset

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩", "INR": "₹", "HKD": "HK$"}
UNIT_NOUNS = {
    "mask.surgical": "mask", "mask.respirator": "mask", "mask.cloth": "mask", "gloves": "glove",
    "disinfectant.wipes": "wipe", "protective_clothing": "suit", "goggles": "pair of goggles",
    "thermometer": "thermometer",
}


def money(value: float, currency: str) -> str:
    symbol = SYMBOLS.get(currency)
    digits = 2 if value >= 1 else 4
    return f"{symbol}{value:,.{digits}f}" if symbol else f"{value:,.{digits}f} {currency}"


def per_unit(unit: str | None, category: str | None) -> str:
    if unit == "piece":
        return "per " + UNIT_NOUNS.get(category or "", "piece")
    return f"per {unit}" if unit else ""


def explain(episode: pd.Series | dict, preset: Preset | None, *, currency: str, unit: str | None,
            category: str | None, tz: str = "UTC") -> str:
    """One paragraph for one episode (a row of ``analysis.violations.evaluate``'s output plus provenance)."""
    e = episode
    day = pd.Timestamp(e["first_violation_at"]).tz_convert(tz).strftime("%Y-%m-%d")
    base = money(float(e["baseline"]), currency)
    now = money(float(e["observed_unit_price"]), currency)
    increase = float(e["increase_pct"])
    text = f"Unit price rose from {base} to {now} {per_unit(unit, category)} ({increase:+.0f}%) on {day}"
    method = e.get("baseline_method") or ""
    start, end = e.get("baseline_window_start"), e.get("baseline_window_end")
    window = ""
    if start is not None and not pd.isna(start) and end is not None and not pd.isna(end):
        window = (f" {pd.Timestamp(start).tz_convert(tz).strftime('%Y-%m-%d')}…"
                  f"{pd.Timestamp(end).tz_convert(tz).strftime('%Y-%m-%d')}")
    n = e.get("baseline_n")
    n_text = f" of {int(n)} observations" if n is not None and not pd.isna(n) else ""
    if e.get("baseline_kind") == "peer":
        text += (f", above the pre-emergency market median for {category} ({method}{n_text}{window}); the listing has "
                 "no price history of its own before the emergency")
    elif str(method).startswith("rolling"):
        text += ", above the median of its previous 28 observed days (no emergency declared: early-warning level shift)"
    else:
        text += f", above the pre-emergency baseline ({method}: median{n_text}{window})"
    if preset is not None:
        text += f"; {preset.describe_threshold()}"
        if e.get("baseline_kind") == "peer":
            text += f" and {preset.new_seller_pct:g}% over the market for sellers without history"
    market = e.get("market_pct")
    if market is not None and not pd.isna(market) and category:
        text += f"; market index for {category} moved {float(market):+.0f}% in the same period"
        if float(market) >= 3:
            text += f" (the increase net of the market is {float(e['adjusted_increase_pct']):+.0f}%)"
    text += ". Presumptive (prima facie): the seller may show cost increases."
    return text
