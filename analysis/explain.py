"""Plain-language explanations of violation episodes, for regulators and platforms.

An explanation says what changed, against what, under which rule, and how sure the comparison is:

    Unit price rose from $0.5463 to $4.835 per mask (+786%) on 2020-03-02. What changed: item price unchanged at
    $27.31; shipping rose from $0.00 to $214.46. Baseline: last_before, median of 7 observations
    2020-02-20…2020-02-26 (regular prices: temporary discounts excluded). us-ca-pc396 flags increases above 10%
    (statutory line). Market index for mask.respirator moved +2% in the same period. Quantity: 50 pieces, read
    from the title (rule count). Presumptive (prima facie): the seller may show cost increases.

- **What changed** splits the increase into item price, shipping and pack (``price_components``): a shipping hike
  with an unchanged item price, or a smaller pack at the same price, is named as such;
- **Baseline** names the method and window, or for a listing without its own history the peer group (same
  product elsewhere, or the size-class peers' 90th percentile), how many peers and which statistic;
- **Market index** is "no market index" when none could be computed (too few listings with a baseline) — never a
  silent +0 %;
- **Quantity** gives the quantity's provenance (feed ``pack_size``, a title rule, or the single-unit convention).

Times are shown in the zone passed as ``tz`` (dates only). Pure: DataFrames and dicts in, strings out.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.presets import Preset
from analysis.series import usable

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KRW": "₩", "INR": "₹", "HKD": "HK$"}
UNIT_NOUNS = {
    "mask.surgical": "mask", "mask.respirator": "mask", "mask.cloth": "mask", "gloves": "glove",
    "disinfectant.wipes": "wipe", "protective_clothing": "suit", "goggles": "pair of goggles",
    "thermometer": "thermometer",
}
PLURAL = {"piece": "pieces", "ml": "ml", "g": "g"}
SAME = 0.005  # a component within 0.5 % of its baseline value is "unchanged"
COMPONENT_COLUMNS = ["listing_id", "base_price", "base_shipping", "base_quantity", "now_price", "now_shipping",
                     "now_quantity"]


ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "PYG", "UGX"}  # CLDR: currencies without a minor unit
SIGNIFICANT = 4


def money(value: float, currency: str) -> str:
    """An amount or unit price as people read it, the same figure tables and exports show (``pricewatch.amounts``):
    at least 4 significant digits and at least the currency's minor unit (¥0.01145 per ml, $8.206 per mask,
    ¥1,009.69), rounded half-to-even on the binary value, trailing zeros beyond the minor unit dropped."""
    symbol = SYMBOLS.get(currency)
    minor = 0 if currency in ZERO_DECIMAL else 2
    value = float(value)
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    digits = min(10, max(minor, SIGNIFICANT - 1 - magnitude))
    rounded = round(value * 10.0**digits) / 10.0**digits
    text = f"{rounded:,.{digits}f}"
    if digits > minor:
        text = text.rstrip("0")
        text = text.rstrip(".") if minor == 0 else text + "0" * max(0, minor - len(text.split(".")[1]))
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def percent(value: float) -> str:
    """An increase as shown to people, everywhere (explanations, ``alerts list``, the digest): whole percent with
    its sign, from the value rounded to 0.01 % first (as ``analysis.violations.exact_pct`` and the stored/exported
    ``increase_pct`` are), so every surface that shows one alert prints the same figure (+2903%, never +2902% in
    one place and +2903% in another)."""
    return f"{round(float(value), 2):+.0f}%"


def per_unit(unit: str | None, category: str | None) -> str:
    if unit == "piece":
        return "per " + UNIT_NOUNS.get(category or "", "piece")
    return f"per {unit}" if unit else ""


def _date(value, tz: str) -> str:
    return pd.Timestamp(value).tz_convert(tz).strftime("%Y-%m-%d")


def _amount(value: float, unit: str | None) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {PLURAL.get(unit or '', unit or '')}".strip()


def price_components(observations: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """Item price, shipping and pack quantity before and during each episode.

    ``observations``: listing_id, observed_at, price, shipping, quantity, unit_price, availability (the episodes'
    listings only). ``episodes``: listing_id, baseline_window_start, baseline_window_end, last_violation_at.
    Before = medians over usable observations in the baseline window (days, UTC); now = the last usable observation
    at or before ``last_violation_at``. Returns :data:`COMPONENT_COLUMNS`; NaN where there is nothing to show
    (peer baselines have no window of the listing's own).
    """
    if observations.empty or episodes.empty:
        return pd.DataFrame(columns=COMPONENT_COLUMNS)
    spans = episodes[["listing_id", "baseline_window_start", "baseline_window_end", "last_violation_at"]] \
        .drop_duplicates("listing_id").set_index("listing_id")
    # convert the few span times once, then look them up per observation by position (no merge of big frames)
    start = pd.to_datetime(spans["baseline_window_start"], utc=True)
    end = pd.to_datetime(spans["baseline_window_end"], utc=True) + pd.Timedelta(days=1)
    last = pd.to_datetime(spans["last_violation_at"], utc=True)
    obs = observations[observations["listing_id"].isin(spans.index)]
    obs = obs[usable(obs)]
    at = obs["observed_at"]
    at_ns = at.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")

    def naive(times: pd.Series):  # tz-aware UTC → datetime64[ns] for vectorised comparisons (NaT stays NaT)
        return times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")

    where = spans.index.get_indexer(obs["listing_id"])
    values = obs[["listing_id", "price", "shipping", "quantity"]].assign(
        shipping=obs["shipping"].astype("float64").fillna(0.0))
    in_window = (at_ns >= naive(start)[where]) & (at_ns < naive(end)[where])
    base = values[in_window].groupby("listing_id")[["price", "shipping", "quantity"]].median()
    upto = at_ns <= naive(last)[where]
    latest = at[upto].groupby(obs.loc[upto, "listing_id"]).idxmax()
    now = values.loc[latest.to_numpy()].set_index("listing_id")[["price", "shipping", "quantity"]]
    out = pd.DataFrame(index=pd.Index(spans.index, name="listing_id"))
    out = out.join(base.add_prefix("base_")).join(now.add_prefix("now_"))
    return out.reset_index()[COMPONENT_COLUMNS]


def what_changed(c: dict, currency: str, unit: str | None) -> str:
    """"item price unchanged at $27.31; shipping rose from $0.00 to $214.46" (empty when nothing is known)."""
    parts = []
    bp, np_ = c.get("base_price"), c.get("now_price")
    if bp is None or np_ is None or pd.isna(bp) or pd.isna(np_):
        return ""

    def change(name: str, before: float, after: float, fmt) -> str:
        if abs(after - before) <= SAME * max(abs(before), 1e-12):
            return f"{name} unchanged at {fmt(after)}"
        verb = "rose" if after > before else "fell"
        return f"{name} {verb} from {fmt(before)} to {fmt(after)}"

    parts.append(change("item price", float(bp), float(np_), lambda v: money(v, currency)))
    bs, ns = float(c.get("base_shipping") or 0.0), float(c.get("now_shipping") or 0.0)
    if bs or ns:
        parts.append(change("shipping", bs, ns, lambda v: money(v, currency)))
    bq, nq = c.get("base_quantity"), c.get("now_quantity")
    if bq is not None and nq is not None and not pd.isna(bq) and not pd.isna(nq) and abs(float(bq) - float(nq)) > 1e-9:
        parts.append(f"pack changed from {_amount(float(bq), unit)} to {_amount(float(nq), unit)}")
    return "; ".join(parts)


def _baseline_text(e: dict, category: str | None, tz: str) -> str:
    method = e.get("baseline_method") or ""
    start, end = e.get("baseline_window_start"), e.get("baseline_window_end")
    window = ""
    if start is not None and not pd.isna(start) and end is not None and not pd.isna(end):
        window = f" {_date(start, tz)}…{_date(end, tz)}"
    n = e.get("baseline_n")
    n_text = f" of {int(n)} observations" if n is not None and not pd.isna(n) else ""
    if e.get("baseline_kind") == "cap":
        return (f"Baseline: the legal maximum price ({method}); the item price without shipping is compared, and a "
                "price exactly at the cap is allowed")
    if e.get("baseline_kind") == "peer":
        peers = e.get("peer_n")
        count = f"{int(peers)} listings" if peers is not None and not pd.isna(peers) else "peer listings"
        group = e.get("peer_group") or category or ""
        if e.get("peer_statistic") == "median":
            what = f"the same product sold by others: median of {count} ({group})"
        else:
            stat = e.get("peer_statistic") or "p90"
            what = (f"no same-product peers; listings of the same size class: the {stat[1:]}th percentile of "
                    f"{count}' pre-emergency unit prices ({group})")
        return (f"Baseline: {what}, {method}{window}; the listing has no price history of its own before the "
                "emergency")
    if str(method).startswith("rolling"):
        return "Baseline: the median of its previous 28 observed days (no emergency declared: early-warning level shift)"
    days = e.get("baseline_days")
    if e.get("short_history") and days is not None and not pd.isna(days):
        return (f"Baseline: the listing's own price before the emergency ({method}{window}), from only "
                f"{int(days)} observed day{'s' if int(days) != 1 else ''} (a full baseline has 3 or more)")
    return f"Baseline: {method}, median{n_text}{window} (regular prices: temporary discounts excluded)"


def _quantity_text(e: dict, unit: str | None) -> str:
    source = e.get("quantity_source")
    quantity = e.get("quantity")
    if not source or pd.isna(source):
        return ""
    amount = f"{_amount(float(quantity), unit)}, " if quantity is not None and not pd.isna(quantity) else ""
    if source == "pack_size":
        how = "from the feed's pack_size"
    elif source == "default_single":
        how = "one item by the single-unit convention (no count stated)"
    elif str(source).startswith("title:"):
        how = f"read from the title (rule {str(source)[6:]})"
    else:
        how = f"from {source}"
    return f"Quantity: {amount}{how}."


def explain(episode: pd.Series | dict, preset: Preset | None, *, currency: str, unit: str | None,
            category: str | None, tz: str = "UTC", components: dict | None = None) -> str:
    """One paragraph for one episode (a row of ``analysis.violations.evaluate``'s output plus provenance, and
    optionally ``quantity``/``quantity_source``); ``components`` is the episode's row of :func:`price_components`."""
    e = dict(episode)
    day = _date(e["first_violation_at"], tz)
    base = money(float(e["baseline"]), currency)
    now = money(float(e["observed_unit_price"]), currency)
    increase = float(e["increase_pct"])
    if e.get("baseline_kind") == "cap":
        sentences = [f"Item price of {now} {per_unit(unit, category)} is {percent(increase)} over the legal cap of "
                     f"{base} on {day}"]
    else:
        sentences = [f"Unit price rose from {base} to {now} {per_unit(unit, category)} ({percent(increase)}) on {day}"]
    changed = what_changed(components, currency, unit) if components and e.get("baseline_kind") != "peer" else ""
    if changed:
        sentences.append(f"What changed: {changed}")
    sentences.append(_baseline_text(e, category, tz))
    if preset is not None:
        rule = preset.describe_threshold()
        if e.get("baseline_kind") == "peer":
            rule += f", and {preset.new_seller_pct:g}% over the peers for sellers without history"
        sentences.append(rule)
    market = e.get("market_pct")
    if category and not str(e.get("baseline_method") or "").startswith("rolling") and e.get("baseline_kind") != "cap":
        if market is None or pd.isna(market):
            sentences.append(f"No market index for {category} (too few listings with a baseline to compute one)")
        else:
            text = f"Market index for {category} moved {float(market):+.0f}% in the same period"
            if float(market) >= 3:
                text += f" (the increase net of the market is {float(e['adjusted_increase_pct']):+.0f}%)"
            sentences.append(text)
    text = ". ".join(sentences) + "."
    quantity = _quantity_text(e, unit)
    if quantity:
        text += " " + quantity
    if e.get("baseline_kind") == "peer":
        text += (" Presumptive (prima facie) peer comparison: for sellers without a prior price the statutes look "
                 "at cost (CA: more than 50% over cost; UT: cost + 30%; CN: 明显高于 cost), which only the seller can "
                 "show.")
    else:
        text += " Presumptive (prima facie): the seller may show cost increases."
    return text


def explain_all(episodes: pd.DataFrame, presets: dict[str, Preset], components: pd.DataFrame | None = None,
                tz: str = "UTC") -> list[str]:
    """:func:`explain` for every episode (``episodes`` carries currency, unit, category per row)."""
    by_listing = {} if components is None or components.empty else \
        components.set_index("listing_id").to_dict("index")
    return [
        explain(row, presets.get(row["rule"]), currency=row["currency"], unit=row["unit"], category=row["category"],
                tz=tz, components=by_listing.get(row["listing_id"]))
        for row in episodes.to_dict("records")
    ]

