"""Tables as text for reports that are returned as strings (the demo's summary), drawn by ``rich`` like every
table the CLI prints (``pricewatch.cli.tables``): a header row, aligned columns, numbers right-aligned."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table


def table_text(columns: Sequence[str], rows: Iterable[Sequence[object]], *, right: Iterable[str] = (),
               indent: int = 2, width: int = 160) -> str:
    """The table as plain text (no colour codes), each line indented by ``indent`` spaces."""
    right = set(right)
    table = Table(header_style="", show_edge=False, pad_edge=False, box=box.SIMPLE_HEAD, padding=(0, 2, 0, 0))
    for name in columns:
        table.add_column(name, justify="right" if name in right else "left", no_wrap=True)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False, force_terminal=False).print(table)
    return "\n".join(" " * indent + line.rstrip() for line in buffer.getvalue().splitlines())
