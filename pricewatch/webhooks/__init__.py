"""Violation webhooks (Standard Webhooks): payloads, the transactional outbox."""
