"""A seeded market scenario with ground truth: listings, their observed prices over time, and which are gouging.

Used by ``pricewatch evaluate`` / ``bench/detect.py`` (a labelled panel), by the demo, and by tests. Everything is
vectorised with numpy; one call builds thousands of listings × months of observations in well under a second.

Each listing has one behaviour (ground truth):

========================  ==========  ===============================================================
behaviour                 gouging?    what the prices do
========================  ==========  ===============================================================
stable                    no          noise of ±2 % around the listing's normal unit price
promotion                 no          weekend discounts (−15 %) and a festival sale (−25 % for 4 days)
price_drop                no          a lasting 20 % cut
pack_change               no          the pack doubles and so does the price: same unit price
oos_placeholder           no          sold-out spells listed at 9999 (or 999/99999) with out_of_stock
market_increase           no          the whole category moves up 30 % together (cost signal)
glitch                    no          one observation at 10× the price
decimal_typo              no          one observation at 1/100 of the price
gaps                      no          several multi-day gaps in observation
delisted                  no          stops being observed part-way
new_listing_fair          no          appears after the emergency near the market price
gouge_sudden              yes         jumps to 1.6–6× after the emergency and stays
gouge_ramp                yes         climbs steadily to 2–4× over ten days
gouge_temporary           yes         3× for five days, then back
new_listing_gouge         yes         appears after the emergency at 2–6× the market price
shipping_hike             yes         item price flat, shipping raised to 3–8× the item price
========================  ==========  ===============================================================

Two variants: ``cn`` (platforms ``jd`` — plain HTML storefront — and ``tmall`` — JSON-LD storefront —, CNY,
Chinese titles, emergency in ``CN`` with preset ``cn-samr-2020``) and ``us`` (``shopus`` — JSON-LD — and the
cooperating feed platform ``carefeed``, USD, English titles, emergency in ``US-CA`` with ``us-ca-pc396``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CLEAN = ("stable", "promotion", "price_drop", "pack_change", "oos_placeholder", "market_increase", "glitch",
         "decimal_typo", "gaps", "delisted", "new_listing_fair")
GOUGING = ("gouge_sudden", "gouge_ramp", "gouge_temporary", "new_listing_gouge", "shipping_hike")
BEHAVIOURS = CLEAN + GOUGING
# share of listings per behaviour (market_increase is assigned per category, not drawn)
WEIGHTS = {
    "stable": 0.22, "promotion": 0.08, "price_drop": 0.05, "pack_change": 0.05, "oos_placeholder": 0.05,
    "glitch": 0.05, "decimal_typo": 0.04, "gaps": 0.05, "delisted": 0.04, "new_listing_fair": 0.04,
    "gouge_sudden": 0.10, "gouge_ramp": 0.06, "gouge_temporary": 0.05, "new_listing_gouge": 0.06,
    "shipping_hike": 0.06,
}

# product templates: (category, title with {n} pack count, pack count choices, unit, normal unit price)
CN_PRODUCTS = [
    ("mask.surgical", "医用外科口罩 一次性 三层防护 {n}只/盒", (10, 20, 50), "piece", 0.60),
    ("mask.surgical", "一次性医用口罩 {n}只装（10只/袋×{b}袋）", (50,), "piece", 0.55),
    ("mask.respirator", "KN95 口罩 独立包装 10只/袋×{b}袋", (20, 30, 50), "piece", 3.20),
    ("mask.respirator", "3M 9501+ KN95 防护口罩 {n}只/盒", (25, 50), "piece", 4.50),
    ("disinfectant.alcohol", "75%酒精消毒液 500ml*{b}瓶", (500, 1000, 1500), "ml", 0.035),
    ("disinfectant.chlorine", "84消毒液 含氯消毒水 {l}L", (1000, 2500, 5000), "ml", 0.012),
    ("hand_sanitizer", "免洗洗手液 75%酒精 {m}ml", (300, 500), "ml", 0.09),
    ("gloves", "一次性丁腈手套 {n}只/盒", (50, 100), "piece", 0.45),
]
US_PRODUCTS = [
    ("mask.surgical", "Disposable Face Masks 3-Ply {n} Count", (50, 100), "piece", 0.18),
    ("mask.surgical", "Disposable Face Masks 50 Count (Pack of {b})", (100, 150), "piece", 0.16),
    ("mask.respirator", "KN95 Face Mask 5-Layer, {n} PCS", (10, 20, 40), "piece", 1.40),
    ("hand_sanitizer", "Hand Sanitizer Gel 8 fl oz, Pack of {b}", (473.176473, 946.352946), "ml", 0.012),
    ("hand_sanitizer", "Hand Sanitizer 1 Gallon", (3785.411784,), "ml", 0.006),
    ("disinfectant.wipes", "Disinfecting Wipes {n} ct", (75, 80), "piece", 0.07),
    ("disinfectant.alcohol", "Isopropyl Alcohol 70% 32 fl oz", (946.352946,), "ml", 0.005),
    ("goggles", "Safety Goggles Anti-Fog, Pack of {n}", (2, 3), "piece", 6.00),
]
VARIANTS = {
    "cn": {"platforms": (("jd", "html"), ("tmall", "jsonld")), "currency": "CNY", "region": "CN",
           "products": CN_PRODUCTS, "jurisdiction": "CN", "rules": "cn-samr-2020", "name": "新型冠状病毒疫情",
           "market_category": "gloves"},
    "us": {"platforms": (("shopus", "jsonld"), ("carefeed", "feed")), "currency": "USD", "region": "US-CA",
           "products": US_PRODUCTS, "jurisdiction": "US-CA", "rules": "us-ca-pc396",
           "name": "COVID-19 State of Emergency", "market_category": "goggles"},
}


@dataclass
class Scenario:
    """A generated market. See the module docstring for the behaviours."""

    listings: pd.DataFrame
    prices: pd.DataFrame
    truth: pd.DataFrame
    emergency: list[dict] = field(default_factory=list)
    start: pd.Timestamp | None = None
    emergency_day: int = 0

    def feed(self) -> pd.DataFrame:
        """The observations as feed v1 rows (strings), ready for ``ingest_frame`` or a CSV file."""
        p = self.prices.merge(self.listings[["platform", "listing_id", "seller_id", "seller_name", "seller_license",
                                             "url", "region"]], on=["platform", "listing_id"], how="left")
        price = p["price"].round(2).astype(str).where(p["price"].notna(), "")
        return pd.DataFrame({
            "platform": p["platform"], "listing_id": p["listing_id"],
            "observed_at": p["observed_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "price": price, "currency": p["currency"],
            "seller_id": p["seller_id"], "seller_name": p["seller_name"], "seller_license": p["seller_license"],
            "title": p["title"], "url": p["url"], "pack_size": p["pack_size"].fillna(""),
            "shipping": p["shipping"].round(2).astype(str), "availability": p["availability"],
            "region": p["region"],
        }).fillna("")  # feed v1 is text: a missing optional value is an empty field


def _title(template: str, pack: float, unit: str) -> tuple[str, float]:
    """Fill a title template for a pack of ``pack`` units; returns (title, pack quantity as the title states it)."""
    if unit == "piece":
        n = int(pack)
        if "{b}" in template and "只/袋" in template:  # "10只/袋×{b}袋"
            return template.format(n=n, b=max(1, n // 10)), float(max(1, n // 10) * 10)
        if "Pack of {b}" in template:
            return template.format(b=max(1, n // 50)), float(max(1, n // 50) * 50)
        return template.format(n=n, b=1), float(n)
    if "{b}" in template and "ml*" in template:
        return template.format(b=max(1, int(pack // 500))), float(max(1, int(pack // 500)) * 500)
    if "{l}" in template:
        liters = pack / 1000
        return template.format(l=f"{liters:g}"), pack
    if "{m}" in template:
        return template.format(m=int(pack)), pack
    if "Pack of {b}" in template:
        b = max(1, round(pack / 236.5882365))
        return template.format(b=b), b * 236.5882365
    return template, pack


def build_scenario(n_listings: int = 1500, days: int = 80, emergency_day: int = 40, start: str = "2020-01-01",
                   variants: tuple[str, ...] = ("cn", "us"), seed: int = 7,
                   obs_per_day: tuple[int, int] = (1, 3)) -> Scenario:
    """Build a scenario (see module docstring). Deterministic for a given ``seed``."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start, tz="UTC")
    n = n_listings
    names = list(WEIGHTS)
    probs = np.array([WEIGHTS[b] for b in names])
    behaviour = rng.choice(names, size=n, p=probs / probs.sum()).astype(object)
    variant = np.array(variants, dtype=object)[np.arange(n) % len(variants)]

    rows = []
    for i in range(n):
        spec = VARIANTS[variant[i]]
        category, template, packs, unit, unit_price = spec["products"][rng.integers(len(spec["products"]))]
        platform, style = spec["platforms"][rng.integers(2)]
        pack = float(packs[rng.integers(len(packs))])
        title, pack = _title(template, pack, unit)
        if category == spec["market_category"]:
            behaviour[i] = "market_increase"
        rows.append((platform, style, category, title, pack, unit, unit_price * rng.uniform(0.85, 1.15),
                     spec["currency"], spec["region"], variant[i]))
    listings = pd.DataFrame(rows, columns=["platform", "style", "category", "title", "pack", "unit", "normal_unit_price",
                                           "currency", "region", "variant"])
    listings["behaviour"] = behaviour
    listings["listing_id"] = [f"{p[:2].upper()}{100000 + i}" for i, p in enumerate(listings["platform"])]
    seller_no = rng.integers(0, max(2, n // 6), size=n)
    listings["seller_id"] = [f"{p}-s{s}" for p, s in zip(listings["platform"], seller_no)]
    listings["seller_name"] = [("店铺" if v == "cn" else "Store ") + str(s) for v, s in zip(listings["variant"], seller_no)]
    # sellers with the same number trade on both platforms of a variant under one licence (joint enforcement)
    listings["seller_license"] = [f"{v.upper()}-LIC-{s:05d}" if s % 3 == 0 else None
                                  for v, s in zip(listings["variant"], seller_no)]
    listings["url"] = [f"/{p}/item/{lid}.html" for p, lid in zip(listings["platform"], listings["listing_id"])]
    listings["pack_size"] = None

    # --- observation grid: each listing-day gets 1–3 observations at random times ---------------------------
    lo, hi = obs_per_day
    counts = rng.integers(lo, hi + 1, size=(n, days))
    li = np.repeat(np.repeat(np.arange(n), days), counts.ravel())
    day = np.repeat(np.tile(np.arange(days), n), counts.ravel())
    seconds = rng.integers(0, 86400, size=len(li))
    mult = rng.uniform(0.98, 1.02, size=len(li))  # noise
    ship_mult = np.zeros(len(li))
    availability = np.full(len(li), "in_stock", dtype=object)
    keep = np.ones(len(li), dtype=bool)
    pack_factor = np.ones(len(li))
    placeholder = np.zeros(len(li), dtype=bool)
    e = emergency_day
    onset = e + rng.integers(1, 9, size=n)          # when a gouger starts, per listing
    magnitude = rng.uniform(1.6, 6.0, size=n)
    beh = listings["behaviour"].to_numpy()[li]
    on = onset[li]
    mag = magnitude[li]
    truth_start = np.full(n, np.nan)

    def sel(name: str) -> np.ndarray:
        return beh == name

    m = sel("promotion")
    weekday = (pd.Timestamp(start).day_of_week + day) % 7
    mult[m & (weekday >= 5)] *= 0.85
    fest = (rng.integers(min(5, days - 1), max(6, days - 5), size=n))[li]
    mult[m & (day >= fest) & (day < fest + 4)] *= 0.75
    m = sel("price_drop")
    mult[m & (day >= on - 10)] *= 0.8
    m = sel("pack_change")
    pack_factor[m & (day >= on - 5)] = 2.0
    m = sel("oos_placeholder")
    spell = ((day // 6) % 3 == 1)
    placeholder[m & spell] = True
    m = sel("market_increase")
    cat_onset = e + 5
    mult[m & (day >= cat_onset)] *= 1.3
    m = sel("glitch")
    glitch_at = rng.integers(min(5, days - 1), max(6, days - 5), size=n)[li]
    first_obs = np.r_[True, (li[1:] != li[:-1]) | (day[1:] != day[:-1])]
    mult[m & (day == glitch_at) & first_obs] *= 10.0
    m = sel("decimal_typo")
    mult[m & (day == glitch_at) & first_obs] *= 0.01
    m = sel("gaps")
    gap_a = rng.integers(min(5, days - 1), max(6, days - 15), size=n)[li]
    keep[m & (((day >= gap_a) & (day < gap_a + 5)) | ((day >= gap_a + 9) & (day < gap_a + 13)))] = False
    m = sel("delisted")
    keep[m & (day >= on)] = False
    m = sel("new_listing_fair") | sel("new_listing_gouge")
    appear = e + rng.integers(2, 8, size=n)
    keep[m & (day < appear[li])] = False
    mult[sel("new_listing_fair")] *= rng.uniform(0.95, 1.15, size=n)[li][sel("new_listing_fair")]
    m = sel("new_listing_gouge")
    mult[m] *= rng.uniform(2.0, 6.0, size=n)[li][m]
    m = sel("gouge_sudden")
    mult[m & (day >= on)] *= mag[m & (day >= on)]
    m = sel("gouge_ramp")
    ramp = np.clip((day - on + 1) / 10.0, 0, 1)
    top = (1.0 + magnitude / 2)[li]
    mult[m] *= (1 + (top - 1) * ramp)[m]
    m = sel("gouge_temporary")
    window = (day >= on) & (day < on + 5)
    mult[m & window] *= 3.0
    m = sel("shipping_hike")
    ship_mult[m & (day >= on)] = rng.uniform(3.0, 8.0, size=n)[li][m & (day >= on)]

    # ground truth: when each gouging listing starts violating (the day its landed unit price first rises)
    b = listings["behaviour"].to_numpy()
    for name in ("gouge_sudden", "gouge_temporary", "shipping_hike"):
        truth_start[b == name] = onset[b == name]
    truth_start[b == "gouge_ramp"] = onset[b == "gouge_ramp"] + 1  # the first day the ramp clears +10 %
    truth_start[b == "new_listing_gouge"] = appear[b == "new_listing_gouge"]

    L = listings
    unit_price = L["normal_unit_price"].to_numpy()[li] * mult
    pack = L["pack"].to_numpy()[li] * pack_factor
    item_price = np.round(unit_price * pack, 2)
    item_price = np.where(item_price < 0.01, 0.01, item_price)
    base_item = np.round(L["normal_unit_price"].to_numpy()[li] * L["pack"].to_numpy()[li], 2)
    shipping = np.round(ship_mult * base_item, 2)
    codes = np.array([999.0, 9999.0, 99999.0])[rng.integers(0, 3, size=n)][li]
    item_price = np.where(placeholder, codes, item_price)
    availability[placeholder] = "out_of_stock"

    titles = L["title"].to_numpy()[li].astype(object)
    doubled = pack_factor == 2.0
    pack_size = np.full(len(li), None, dtype=object)
    if doubled.any():
        # the doubled pack is said in the title ("2盒装" / "2 Boxes") and stated exactly in the feed's pack_size
        cn = L["variant"].to_numpy()[li] == "cn"
        titles[doubled] = np.where(cn[doubled], "2盒装 " + titles[doubled], titles[doubled] + ", 2 Boxes")
        unit_suffix = np.where(L["unit"].to_numpy()[li] == "ml", " ml", "")
        pack_size[doubled] = [f"{q:g}{u}" for q, u in zip(pack[doubled], unit_suffix[doubled])]

    prices = pd.DataFrame({
        "platform": L["platform"].to_numpy()[li],
        "listing_id": L["listing_id"].to_numpy()[li],
        "observed_at": t0 + pd.to_timedelta(day, unit="D") + pd.to_timedelta(seconds, unit="s"),
        "price": item_price,
        "shipping": shipping,
        "currency": L["currency"].to_numpy()[li],
        "availability": availability,
        "title": titles,
        "pack_size": pack_size,
        "day": day,
    })[keep].reset_index(drop=True)
    prices = prices.sort_values(["observed_at", "platform", "listing_id"], kind="stable").reset_index(drop=True)

    truth = pd.DataFrame({
        "platform": L["platform"], "listing_id": L["listing_id"], "behaviour": L["behaviour"],
        "variant": L["variant"], "category": L["category"],
        "gouging": L["behaviour"].isin(GOUGING),
        "violation_start": [t0 + pd.Timedelta(days=float(d)) if d == d else pd.NaT for d in truth_start],
    })
    emergencies = [
        {"name": VARIANTS[v]["name"], "jurisdiction": VARIANTS[v]["jurisdiction"],
         "start": t0 + pd.Timedelta(days=e), "rules": VARIANTS[v]["rules"], "variant": v}
        for v in variants
    ]
    return Scenario(listings=L.drop(columns=["pack"]), prices=prices.drop(columns=["day"]), truth=truth,
                    emergency=emergencies, start=t0, emergency_day=e)
