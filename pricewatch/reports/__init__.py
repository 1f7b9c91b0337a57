"""Public reports: anyone may report a listing page and the price they saw (``POST /v1/reports``, no key).

The path of a report: ``intake`` (settings, URL → platform listing, de-duplication, candidate listing, contact kept
apart) → ``check`` (a priority crawl of the page in a child process, only on platform hosts; confirmed or not) →
detection (``pricewatch.reports.signals``: a confirmed report escalates an alert; a report alone is a "reported"
review item, never a violation) → ``listing`` (the tables for ``pricewatch reports list``, the digest and
regulators). Abuse controls are in ``throttle`` (proof of work, rate limits) and ``image`` (photos checked by
content, metadata stripped).
"""

from pricewatch.reports.intake import ReportIn, ReportRefused, ReportSettings, file_report, report_status

__all__ = ["ReportIn", "ReportRefused", "ReportSettings", "file_report", "report_status"]
