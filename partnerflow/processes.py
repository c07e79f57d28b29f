"""Finding the programme's processes: every package of ``partnerflow`` with a ``decisions``
module is one, and importing it declares its decisions to ``partnerflow.approvals``.

Nothing central lists them (a new process is found by its folder); the Context loads them once
per process, so the approval page, the CLI, the digest and the decision clock know every kind
even where no flow of that process was imported.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path

HOME = Path(__file__).parent


@cache
def load_processes() -> tuple[str, ...]:
    """Import each process's ``decisions`` module (once); returns the processes' names. Found on
    disk, not by import, so the faces (``cli``, ``web``) are never imported from here."""
    found = sorted(path.parent.name for path in HOME.glob("*/decisions.py"))
    for name in found:
        importlib.import_module(f"{__package__}.{name}.decisions")
    return tuple(found)
