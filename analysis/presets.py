"""Rule presets (``presets.toml``): the legal thresholds as data, each citing its source and review date."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

TIERS = ((100.0, "egregious"), (50.0, "severe"), (25.0, "alert"), (10.0, "watch"))


@dataclass(frozen=True)
class Cap:
    """A legal maximum price: at most ``cap`` (in ``currency``) per canonical ``unit`` of ``category``, for packs
    of at most ``max_quantity`` units (None: any size). The cap applies to the item price without shipping."""

    category: str
    unit: str
    currency: str
    cap: float
    max_quantity: float | None = None
    label: str = ""


@dataclass(frozen=True)
class Preset:
    """One rule preset. Percentages are increases over the baseline (10 means +10 %)."""

    id: str
    title: str
    baseline: str
    flag_pct: float
    source: str
    last_reviewed: str
    tolerance_pct: float = 0.0
    new_seller_pct: float = 50.0
    tail_days: int = 0
    statutory: bool = False
    flags: tuple[str, ...] = field(default_factory=tuple)
    at_line: str = "allowed"
    pre_declaration: str = "settled"
    wording: str = ""
    caps: tuple[Cap, ...] = ()
    # baseline kinds (own, peer, cap) for which the rule applies only after a formal warning (告诫) was ignored
    warning_required: tuple[str, ...] = ()

    @property
    def capped(self) -> bool:
        """An absolute-cap preset (France 2020): listings are compared with a legal maximum price, not a baseline."""
        return bool(self.caps)

    def __post_init__(self) -> None:
        if self.at_line not in ("allowed", "violation"):
            raise ValueError(f"preset {self.id}: at_line must be 'allowed' or 'violation', not {self.at_line!r}")
        if self.pre_declaration not in ("settled", "window"):
            raise ValueError(f"preset {self.id}: pre_declaration must be 'settled' or 'window', "
                             f"not {self.pre_declaration!r}")

    @property
    def threshold_pct(self) -> float:
        """The increase a listing must exceed: the legal line or the noise tolerance, whichever is higher."""
        return max(self.flag_pct, self.tolerance_pct)

    def describe_threshold(self) -> str:
        if self.capped:
            return f"{self.id} caps the price (item price without shipping; statutory line)"
        if self.flag_pct == 0:
            return f"{self.id} allows no increase (tolerance {self.tolerance_pct:g}%)"
        kind = "statutory line" if self.statutory else "review threshold"
        over = "of" if self.at_line == "violation" else "above"
        more = " or more" if self.at_line == "violation" else ""
        return f"{self.id} flags increases {over} {self.flag_pct:g}%{more} ({kind})"


@lru_cache(maxsize=1)
def _document() -> dict:
    text = (Path(__file__).parent / "presets.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def presets_version() -> str:
    return str(_document()["version"])


def load_presets() -> dict[str, Preset]:
    """All presets by id."""
    out = {}
    for pid, spec in _document()["presets"].items():
        spec = dict(spec)
        spec["flags"] = tuple(spec.get("flags", ()))
        spec["caps"] = tuple(Cap(**c) for c in spec.get("caps", ()))
        spec["warning_required"] = tuple(spec.get("warning_required", ()))
        out[pid] = Preset(id=pid, **spec)
    return out


def preset(pid: str) -> Preset:
    presets = load_presets()
    if pid not in presets:
        raise KeyError(f"unknown rule preset {pid!r}; known: {', '.join(sorted(presets))}")
    return presets[pid]


def preset_for_jurisdiction(jurisdiction: str) -> str:
    """The preset id for a jurisdiction code (longest matching prefix; ``generic`` when none matches)."""
    table: dict[str, str] = _document()["jurisdictions"]
    code = jurisdiction.upper()
    best = ""
    for prefix in table:
        if (code == prefix or code.startswith(prefix + "-")) and len(prefix) > len(best):
            best = prefix
    return table[best] if best else "generic"


def severity(increase_pct: float) -> str:
    """Severity tier of an increase (generic tiers); increases under 10 % are ``watch``."""
    for bound, name in TIERS:
        if increase_pct >= bound:
            return name
    return "watch"
