"""Which URLs a public report may name: listing pages of the platforms in the site profiles, nothing else.

``spiders/profiles.toml`` matches hosts by substring (``amazon.`` for every Amazon store), which is right for
reading pages a crawl found but too loose for URLs typed by the public: ``amazon.evil.example`` or
``notjd.com`` would pass. Here a profile host matches only on label boundaries — ``item.jd.com`` matches
``item.jd.com`` (and subdomains of it); ``amazon.`` matches a registered domain ``amazon.<public suffix>`` (Public
Suffix List via tldextract's bundled snapshot, no network) — and only ``http``/``https`` URLs without credentials
pass. A report URL that does not match is refused before anything is fetched.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit


class NotAPlatformPage(ValueError):
    """The URL is not a listing page of a platform pricewatch knows; the message says why."""


@dataclass(frozen=True)
class PlatformPage:
    url: str          # normalised: scheme and host lower-case, fragment dropped
    host: str
    platform: str
    listing_key: str
    fixed_platform: bool  # the profile names the platform (False: taken from the URL path)


@lru_cache(maxsize=1)
def _extract():  # noqa: ANN202
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # the bundled snapshot: never the network


def host_matches(profile_host: str, host: str) -> bool:
    """Whether ``host`` belongs to the profile's host on label boundaries (see module docstring)."""
    profile_host = profile_host.lower()
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(profile_host)
        return host == profile_host
    except ValueError:
        pass
    if profile_host.endswith("."):  # "amazon.": the registered domain amazon.<public suffix>
        parts = _extract()(host)
        return parts.domain == profile_host[:-1] and bool(parts.suffix)
    return host == profile_host or host.endswith("." + profile_host)


def platform_page(url: str) -> PlatformPage:
    """The platform and listing id of a report URL, or :class:`NotAPlatformPage`."""
    from spiders.profiles import sites

    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 — raises on a bad port
    except ValueError as exc:
        raise NotAPlatformPage(f"url: {text[:200]!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise NotAPlatformPage("url: must be an http:// or https:// link to a listing page")
    if parts.username or parts.password:
        raise NotAPlatformPage("url: must not carry a user name or password")
    host = parts.hostname.lower().rstrip(".")
    for site in sites():
        if not host_matches(site.host, host):
            continue
        import re

        found = re.search(site.listing_id, parts.path + ("?" + parts.query if parts.query else ""))
        if not found:
            raise NotAPlatformPage(f"url: {host} is a known platform, but this is not a listing page (expected a "
                                   "product page address)")
        platform = site.platform
        fixed = not platform.startswith("path:")
        if not fixed:
            segments = [s for s in parts.path.split("/") if s]
            index = int(platform.split(":")[1])
            platform = segments[index] if len(segments) > index else ""
        if not platform:
            raise NotAPlatformPage("url: the platform cannot be told from this address")
        clean = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))
        return PlatformPage(url=clean, host=host, platform=platform, listing_key=found.group(1),
                            fixed_platform=fixed)
    raise NotAPlatformPage(f"url: {host} is not a platform pricewatch watches; reports can only name listing "
                           "pages of known platforms (spiders/profiles.toml)")
