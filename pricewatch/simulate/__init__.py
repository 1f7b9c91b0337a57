"""Simulation: a seeded market scenario with ground truth (``scenario``)."""
