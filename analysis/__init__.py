"""Pure price analysis: pandas DataFrames in, DataFrames out.

No database, network or ``pricewatch`` imports here, so the same functions can run on partitions of a
distributed engine. Modules: series (unit-price series per listing), baseline, detectors, rules (legal
presets), scoring, explain, index (category price index).
"""
