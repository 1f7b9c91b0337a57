"""Ingestion of feed v1 rows: ``ingest_files`` (files), ``ingest_frame`` (a DataFrame from a spider or the API)."""

from pricewatch.ingest.run import DEFAULT_SOURCE, Ingestor, IngestStats, ingest_files, ingest_frame

__all__ = ["DEFAULT_SOURCE", "IngestStats", "Ingestor", "ingest_files", "ingest_frame"]
