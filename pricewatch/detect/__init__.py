"""Detection over the database: load → ``analysis.detect`` → alerts (``run_detection``)."""

from pricewatch.detect.run import DetectStats, run_detection

__all__ = ["DetectStats", "run_detection"]
