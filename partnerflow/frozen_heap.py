"""Bulk passes that allocate hundreds of thousands of small objects, without Python's cycle
collector walking the whole program again and again.

CPython runs a full collection whenever the objects that survived the younger generations grow
by a quarter, and a full collection visits every tracked object: the ~155,000 of the imported
libraries (SQLAlchemy, pydantic, the policy engine) included. Routing a year of leads allocates
enough to trigger it many times: 6 of 18 s went there (``bench/lead_routing.py``, 100,000 leads,
2026-12-06). ``gc.freeze()`` moves everything that exists when the pass starts into a permanent
generation the collector skips; the pass's own garbage is still collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def objects_so_far_frozen() -> Iterator[None]:
    """Skip the objects that exist now in every collection until the block ends (nested: the
    outermost block decides, an inner one changes nothing)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
