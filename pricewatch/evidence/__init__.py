"""Evidence: fetched pages kept, compressed, in a content-addressed store (``store``)."""

from pricewatch.evidence.store import EvidenceStore, VerifyReport

__all__ = ["EvidenceStore", "VerifyReport"]
