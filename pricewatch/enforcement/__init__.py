"""Closing the loop with platforms: their answers, re-checks of delisted listings, joint enforcement across
platforms, and pledge compliance."""
