"""What the report files share: rows as CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from defusedcsv import csv  # cells starting with = + - @ are neutralised (OWASP CSV injection)


def rows_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows under a header of the first row's keys; empty without rows."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
