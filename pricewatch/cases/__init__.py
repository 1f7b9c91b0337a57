"""Case bundles: an alert's (or a seller's) whole case as one ZIP with a SHA-256 manifest, checkable offline.

``export_alert_case`` / ``export_seller_case`` write it (:mod:`pricewatch.cases.bundle`), ``verify_bundle`` checks it
(:mod:`pricewatch.cases.verify`). What it holds and why: docs/cases.md.
"""

from pricewatch.cases.bundle import CaseError, CaseExport, export_alert_case, export_seller_case
from pricewatch.cases.verify import BundleCheck, verify_bundle

__all__ = ["BundleCheck", "CaseError", "CaseExport", "export_alert_case", "export_seller_case", "verify_bundle"]
