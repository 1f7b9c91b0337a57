"""Links the digest puts beside each alert: the listing's own page and the alert in the review workspace.

``[ui] base_url`` (validated in :mod:`pricewatch.config`) is where regulators reach ``pricewatch serve``; without it
the digest has no workspace links (a digest must not point at an address its readers cannot open). Listing URLs
come from feeds and crawls, so only http(s) URLs are linked — a ``javascript:`` URL in a feed must not become a
link in a regulator's mail.
"""

from __future__ import annotations

from pricewatch.config import Settings


def workspace_base(settings: Settings) -> str | None:
    """``[ui] base_url`` without a trailing slash, or ``None`` when not configured."""
    base = settings.section("ui").get("base_url")
    return base.rstrip("/") if base else None


def review_url(settings: Settings, alert_id: int) -> str | None:
    """``<base_url>/ui/alerts/<alert_id>`` (the workspace's alert page, a public route), or ``None``."""
    base = workspace_base(settings)
    return f"{base}/ui/alerts/{int(alert_id)}" if base else None


def listing_link(url: object) -> str | None:
    """The listing's URL when it is an http(s) URL, else ``None``."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if url.lower().startswith(("http://", "https://")) else None
