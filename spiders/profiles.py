"""Site profiles (``profiles.toml``): platform and listing id from a URL, and optional price selectors."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Site:
    host: str
    platform: str
    listing_id: str
    price_css: str | None = None
    currency: str | None = None


@lru_cache(maxsize=1)
def sites() -> tuple[Site, ...]:
    data = tomllib.loads((Path(__file__).parent / "profiles.toml").read_text(encoding="utf-8"))
    return tuple(Site(**entry) for entry in data["site"])


def identify(url: str) -> tuple[Site | None, str | None, str | None]:
    """(profile, platform, listing id) for a product URL; Nones when no profile matches."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    for site in sites():
        if site.host in host:
            m = re.search(site.listing_id, parts.path + ("?" + parts.query if parts.query else ""))
            if not m:
                return site, None, None
            platform = site.platform
            if platform.startswith("path:"):
                segments = [s for s in parts.path.split("/") if s]
                index = int(platform.split(":")[1])
                platform = segments[index] if len(segments) > index else None
            return site, platform, m.group(1)
    return None, None, None
