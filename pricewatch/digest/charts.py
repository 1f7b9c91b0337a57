"""Charts for the digest: small PNGs (matplotlib, Agg) embedded inline as base64, readable on a phone.

Labels use ids, dates and numbers only: the machine's fonts have no CJK glyphs, and an inline image cannot fall back
to the mail client's fonts the way the HTML text around it does.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

WIDTH, HEIGHT, DPI = 6.0, 2.6, 110


def _png(fig) -> str:  # noqa: ANN001
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def price_chart(observations: pd.DataFrame, baseline: float | None, emergency_start: pd.Timestamp | None,
                title: str, unit_label: str) -> str:
    """Unit price per observation (dots) with its daily median (line), the baseline and the emergency start."""
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    if not observations.empty:
        ax.plot(observations["observed_at"], observations["unit_price"], ".", color="#888888", markersize=3,
                label="observations")
        daily = observations.set_index("observed_at")["unit_price"].resample("D").median().dropna()
        ax.plot(daily.index, daily.values, "-", color="#c0392b", linewidth=1.5, label="daily median")
    if baseline:
        ax.axhline(baseline, color="#2c7fb8", linestyle="--", linewidth=1.2, label="baseline")
    if emergency_start is not None and not pd.isna(emergency_start):
        ax.axvline(emergency_start, color="#444444", linestyle=":", linewidth=1.2, label="emergency")
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_ylabel(unit_label, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax.grid(alpha=0.2)
    return _png(fig)


def index_chart(index: pd.DataFrame, emergency_start: pd.Timestamp | None, title: str) -> str:
    """Category price index lines (1.0 = listings at their pre-emergency baseline)."""
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT + 0.6))
    for (category, currency), group in index.dropna(subset=["index"]).groupby(["category", "currency"]):
        ax.plot(group["day"], group["index"], linewidth=1.3, label=f"{category} ({currency})")
    ax.axhline(1.0, color="#999999", linewidth=0.8)
    if emergency_start is not None and not pd.isna(emergency_start):
        ax.axvline(emergency_start, color="#444444", linestyle=":", linewidth=1.2)
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.legend(fontsize=6, ncol=2, frameon=False)
    ax.grid(alpha=0.2)
    return _png(fig)
