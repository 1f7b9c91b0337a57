"""A tiny market made by hand for detection tests: listings with day-by-day prices, run through analysis.detect.

``Market.add("x", prices, ...)`` adds one listing observed once a day from ``START`` (a price of None = not seen
that day); ``Market.detect(rule=...)`` declares an emergency at ``T0`` and returns the Detection. Pure DataFrames,
no database: the same path the CLI takes after loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.detect import Detection, detect
from analysis.presets import load_presets

T0 = pd.Timestamp("2020-03-01", tz="UTC")  # the declaration
DAY = pd.Timedelta(days=1)
PRESETS = load_presets()


@dataclass
class Market:
    start: pd.Timestamp = T0 - 40 * DAY
    rows: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    def add(self, lid: str, prices, *, category: str = "hand_sanitizer", unit: str = "ml", quantity=500.0,
            shipping=0.0, currency: str = "EUR", region: str = "FR", start: pd.Timestamp | None = None,
            product_key: str | None = None, quantity_source: str | None = "pack_size") -> Market:
        start = self.start if start is None else start
        for i, price in enumerate(prices):
            if price is None:
                continue
            ship = shipping[i] if isinstance(shipping, (list, tuple, np.ndarray)) else shipping
            qty = quantity[i] if isinstance(quantity, (list, tuple, np.ndarray)) else quantity
            self.rows.append({"listing_id": lid, "observed_at": start + i * DAY + pd.Timedelta(hours=10),
                              "price": float(price), "shipping": float(ship), "quantity": float(qty),
                              "unit_price": (float(price) + float(ship)) / float(qty), "availability": "in_stock",
                              "currency": currency, "quantity_unit": unit})
        self.meta[lid] = {"category": category, "region": region, "product_key": product_key,
                          "quantity_source": quantity_source}
        return self

    def steady(self, n: int, price: float, *, prefix: str = "peer", days: int = 80, spread: float = 0.0,
               seed: int = 5, **kw) -> Market:
        """``n`` stable listings around ``price`` (each its own level within ±``spread``, ±1 % daily noise)."""
        rng = np.random.default_rng(seed)
        for k in range(n):
            level = price * (1 + spread * (2 * k / max(n - 1, 1) - 1))
            self.add(f"{prefix}{k}", list(level * rng.uniform(0.99, 1.01, days)), **kw)
        return self

    def detect(self, rule: str = "generic", *, jurisdiction: str = "FR", categories=None,
               baseline_date=pd.NaT, start: pd.Timestamp = T0, monitor: bool = False) -> Detection:
        obs = pd.DataFrame(self.rows)
        listings = pd.DataFrame.from_dict(self.meta, orient="index").rename_axis("listing_id")
        emergencies = pd.DataFrame([{"id": 1, "jurisdiction": jurisdiction, "start": start, "end": pd.NaT,
                                     "categories": categories, "rule": rule, "baseline_date": baseline_date}])
        return detect(obs, listings, emergencies, PRESETS, monitor_uncovered=monitor)

    def episodes(self, rule: str = "generic", **kw) -> pd.DataFrame:
        return self.detect(rule, **kw).episodes.set_index("listing_id")


def days_before(n: int, price: float) -> list[float]:
    return [price] * n
