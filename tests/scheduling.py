"""How ``make test`` shares the suite between its two xdist workers.

Per test file (a module's served deployments and servers start once), as ``--dist loadfile``
does, except that the system tests are one unit, sent first: ``partnerflow up`` and the
distributed topology each want most of this 2-core machine, and run side by side they starved
each other (CI, 2026-12-06: a review e-mail not sent within 120 s, a triggered run not started
within 90 s; alone, 39 s and 24 s). Sent first, their ~9 minutes overlap the rest of the suite
instead of forming its tail.
"""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling
from xdist.workermanage import WorkerController

SYSTEM_TESTS = "tests/system/"


class SystemTestsTogetherFirst(LoadFileScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return SYSTEM_TESTS if nodeid.startswith(SYSTEM_TESTS) else super()._split_scope(nodeid)

    def _assign_work_unit(self, node: WorkerController) -> None:
        if SYSTEM_TESTS in self.workqueue:
            self.workqueue.move_to_end(SYSTEM_TESTS, last=False)
        super()._assign_work_unit(node)
