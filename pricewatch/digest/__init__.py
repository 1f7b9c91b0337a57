"""The regulators' daily digest: build (HTML + CSV), write, send."""

from pricewatch.digest.build import Digest, build_digest, write_digest
from pricewatch.digest.mail import send_digest

__all__ = ["Digest", "build_digest", "send_digest", "write_digest"]
