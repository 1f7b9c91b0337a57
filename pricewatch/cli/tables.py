"""Tables on the terminal, one way for every command: ``rich`` tables with a header row, numbers right-aligned,
times in the display zone with the zone named in the header.

Piped output is not a terminal of 80 columns: it gets room (200 columns) instead of wrapping every cell, and no
colour codes, so ``pricewatch jobs | grep detect`` still reads.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from rich.console import Console
from rich.table import Table


def console() -> Console:
    tty = sys.stdout.isatty()
    return Console(width=None if tty else 200, no_color=not tty, highlight=False, soft_wrap=False)


def when(value: datetime | None, tz: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant in the display zone (``-`` when missing); the zone belongs in the column header."""
    if value is None or value != value:
        return "-"
    return value.astimezone(tz).strftime(fmt)


def zone_name(tz: tzinfo | str) -> str:
    return str(getattr(tz, "key", tz))


def print_table(columns: Sequence[str], rows: Iterable[Sequence[object]], *, right: Iterable[str] = (),
                title: str | None = None, out: Console | None = None) -> None:
    """Print rows under ``columns``; names in ``right`` are right-aligned (numbers)."""
    right = set(right)
    table = Table(title=title, header_style="bold", title_justify="left", show_edge=False, pad_edge=False)
    for name in columns:
        table.add_column(name, justify="right" if name in right else "left", overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    (out or console()).print(table)
