"""Standard Webhooks signing and verification, with the ``standardwebhooks`` package.

Headers: ``webhook-id`` (the event id, the same on every retry), ``webhook-timestamp`` (Unix seconds),
``webhook-signature`` (``v1,<base64 HMAC-SHA256>``; several space-separated while two secrets overlap during a
rotation). Secrets are ``whsec_`` + base64 of 32 random bytes.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

__all__ = ["WebhookVerificationError", "new_secret", "sign_headers", "verify"]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign_headers(event_id: str, body: str, secrets_: list[str], at: datetime | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` signed with every secret in ``secrets_``."""
    # standardwebhooks replaces the zone instead of converting it (MEASURED.md): always hand it UTC
    at = (at or datetime.now(UTC)).astimezone(UTC)
    signatures = " ".join(Webhook(s).sign(event_id, at, body) for s in secrets_)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }


def verify(body: bytes | str, headers: dict[str, str], secret: str) -> dict:
    """For platforms: check a delivery's signature and timestamp (older or newer than 5 minutes is refused).

    Returns the parsed payload; raises ``WebhookVerificationError``. De-duplicate on ``headers['webhook-id']``.
    """
    return Webhook(secret).verify(body, headers)
