"""Alerts: the store (open/update/close per violation episode) and exports."""
