"""Drawing (matplotlib, Agg): DataFrames in, PNG or SVG bytes out. No database here (``select.py`` loads).

What a price chart shows, for one listing or a whole selection:

- **observations**: every offer's unit price as a grey dot (at most :data:`MAX_DOTS`, evenly thinned beyond);
  out-of-stock and placeholder prices (9999…) are not drawn — they would flatten the scale — and the legend says
  how many were left out;
- **daily median** of the offers' unit prices as a line, and for a selection the daily min–max as a band; a day
  without offers is a break in the line, never a straight segment across it, and a run of
  :data:`GAP_DAYS` or more such days is shaded "no observations";
- **baseline** (solid blue) and **threshold** (dashed red: the line the rule flags above) when an alert exists;
- **emergency start** as a dotted vertical line.

Days are calendar days in ``tz``. Labels use ids, dates and numbers only: the machine's fonts have no CJK glyphs,
and a chart inlined in an e-mail cannot fall back to the mail client's fonts the way the HTML text around it does.
Figures are built with matplotlib's object API (no ``pyplot`` state), so API worker threads can draw at once.
Output is deterministic for the same input (no timestamps in PNG/SVG metadata, a fixed SVG hash salt), so a chart
can be hashed and attached to a case file.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

WIDTH, HEIGHT, DPI = 6.0, 2.6, 110
MAX_DOTS = 20_000
GAP_DAYS = 3
FORMATS = ("png", "svg")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
matplotlib.rcParams["svg.hashsalt"] = "pricewatch"


def render(fig, fmt: str = "png") -> bytes:  # noqa: ANN001
    """The figure as PNG or SVG bytes (closed afterwards)."""
    if fmt not in FORMATS:
        raise ValueError(f"chart format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    buffer = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    # fixed margins (set where the figure is made), not bbox_inches="tight": "tight" draws the figure twice
    fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def data_uri(image: bytes, fmt: str = "png") -> str:
    """``data:image/…;base64,…`` for inlining in HTML (the digest)."""
    return f"data:{MEDIA_TYPES[fmt]};base64," + base64.b64encode(image).decode()


def daily_with_gaps(observations: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Daily median/min/max of ``unit_price`` on every calendar day from the first to the last observation (in
    ``tz``), NaN on days without one: plotted, a NaN breaks the line. Index: tz-aware midnight of each day."""
    if observations.empty:
        return pd.DataFrame(columns=["median", "min", "max"])
    local = observations.set_index(observations["observed_at"].dt.tz_convert(tz))["unit_price"]
    grouped = local.resample("D")  # resample covers every day in between, empty ones as NaN
    return pd.DataFrame({"median": grouped.median(), "min": grouped.min(), "max": grouped.max()})


def _gaps(days: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    empty = days["median"].isna().to_numpy()
    spans, start = [], None
    for i, missing in enumerate(np.append(empty, False)):
        if missing and start is None:
            start = i
        elif not missing and start is not None:
            if i - start >= GAP_DAYS:
                spans.append((days.index[start - 1] + pd.Timedelta(hours=12) if start else days.index[start],
                              days.index[i] - pd.Timedelta(hours=12)))
            start = None
    return spans


def _number(value: float) -> str:
    from pricewatch.amounts import round_unit_price, text

    return text(float(round_unit_price([value])[0]))


def _axes_style(ax, title: str, unit_label: str, tz: str | None = None) -> None:  # noqa: ANN001
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_ylabel(unit_label, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8, tz=tz))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d", tz=tz))
    lo, hi = (mdates.num2date(x, tz=tz) for x in ax.get_xlim())
    years = str(lo.year) if lo.year == hi.year else f"{lo.year}–{hi.year}"
    ax.set_xlabel(years + (f" ({tz})" if tz else ""), fontsize=7, loc="right")
    ax.grid(alpha=0.2)


def draw_prices(ax, observations: pd.DataFrame, *, tz: str, band: bool, baseline: float | None = None,  # noqa: ANN001
                threshold: float | None = None, emergency_start: pd.Timestamp | None = None,
                title: str = "", unit_label: str = "") -> None:
    """One panel: observations, daily median (and band), baseline, threshold, emergency start, gaps."""
    offer = observations["offer"] if "offer" in observations else pd.Series(True, index=observations.index)
    priced = observations[offer.astype(bool) & observations["unit_price"].notna()]
    left_out = int((~offer.astype(bool) & observations["unit_price"].notna()).sum())
    if not priced.empty:
        dots = priced if len(priced) <= MAX_DOTS else priced.iloc[:: int(np.ceil(len(priced) / MAX_DOTS))]
        label = "observations" + (f" ({left_out} out of stock / placeholder not drawn)" if left_out else "")
        ax.plot(dots["observed_at"].dt.tz_convert(tz), dots["unit_price"], ".", color="#888888",
                markersize=2.5 if band else 3, alpha=0.5 if band else 0.9, label=label, zorder=2)
        days = daily_with_gaps(priced, tz)
        noon = days.index + pd.Timedelta(hours=12)
        if band:
            ax.fill_between(noon, days["min"], days["max"], color="#f4a582", alpha=0.35, linewidth=0,
                            label="daily min–max", zorder=1)
        ax.plot(noon, days["median"], "-", color="#c0392b", linewidth=1.5, label="daily median", zorder=3)
        for i, (lo, hi) in enumerate(_gaps(days)):
            ax.axvspan(lo, hi, color="#dddddd", alpha=0.6, linewidth=0, label="no observations" if i == 0 else None,
                       zorder=0)
    elif left_out:
        ax.text(0.5, 0.5, f"{left_out} observations, none of them an offer", transform=ax.transAxes,
                ha="center", fontsize=8)
    if baseline is not None and baseline == baseline:
        ax.axhline(baseline, color="#2c7fb8", linestyle="-", linewidth=1.2, label=f"baseline {_number(baseline)}")
    if threshold is not None and threshold == threshold:
        ax.axhline(threshold, color="#d7301f", linestyle="--", linewidth=1.0, label=f"threshold {_number(threshold)}")
    if emergency_start is not None and not pd.isna(emergency_start):
        ax.axvline(pd.Timestamp(emergency_start).tz_convert(tz), color="#444444", linestyle=":", linewidth=1.2,
                   label="emergency")
    _axes_style(ax, title, unit_label, tz)
    ax.legend(fontsize=6, loc="upper left", frameon=False)


def price_chart(observations: pd.DataFrame, *, baseline: float | None = None, threshold: float | None = None,
                emergency_start: pd.Timestamp | None = None, title: str = "", unit_label: str = "",
                tz: str = "UTC", fmt: str = "png", band: bool = False) -> bytes:
    """One panel of unit prices (``observed_at`` UTC tz-aware, ``unit_price``, optional ``offer``) as PNG/SVG."""
    fig = Figure(figsize=(WIDTH, HEIGHT))
    fig.subplots_adjust(left=0.11, right=0.98, top=0.89, bottom=0.17)
    ax = fig.subplots()
    draw_prices(ax, observations, tz=tz, band=band, baseline=baseline, threshold=threshold,
                emergency_start=emergency_start, title=title, unit_label=unit_label)
    return render(fig, fmt)


def panels_chart(panels: list[dict], *, tz: str, fmt: str = "png", emergency_start: pd.Timestamp | None = None,
                 band: bool = True) -> bytes:
    """Several stacked panels (one per currency × unit of a selection); each dict has ``observations``,
    ``title``, ``unit_label`` and optionally ``baseline``/``threshold``."""
    fig = Figure(figsize=(WIDTH + 1.5, (HEIGHT + 0.2) * len(panels)))
    fig.subplots_adjust(left=0.09, right=0.98, top=1 - 0.3 / (HEIGHT + 0.2) / len(panels),
                        bottom=0.45 / (HEIGHT + 0.2) / len(panels), hspace=0.5)
    axes = fig.subplots(len(panels), 1, squeeze=False)
    for ax, panel in zip(axes[:, 0], panels):
        draw_prices(ax, panel["observations"], tz=tz, band=band, baseline=panel.get("baseline"),
                    threshold=panel.get("threshold"), emergency_start=emergency_start, title=panel["title"],
                    unit_label=panel["unit_label"])
    return render(fig, fmt)


def index_chart(index: pd.DataFrame, emergency_start: pd.Timestamp | None, title: str, fmt: str = "png") -> bytes:
    """Category price index lines (1.0 = listings at their pre-emergency baseline); a missing day breaks a line."""
    fig = Figure(figsize=(WIDTH, HEIGHT + 0.6))
    fig.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.12)
    ax = fig.subplots()
    for (category, currency), group in index.groupby(["category", "currency"]):
        series = group.set_index(pd.to_datetime(group["day"], utc=True))["index"].sort_index()
        series = series[~series.index.duplicated()].resample("D").asfreq()  # absent days → NaN → a break
        ax.plot(series.index, series.to_numpy(), linewidth=1.3, label=f"{category} ({currency})")
    ax.axhline(1.0, color="#999999", linewidth=0.8)
    if emergency_start is not None and not pd.isna(emergency_start):
        ax.axvline(emergency_start, color="#444444", linestyle=":", linewidth=1.2)
    _axes_style(ax, title, "index", "UTC")
    ax.legend(fontsize=6, ncol=2, frameon=False)
    return render(fig, fmt)
