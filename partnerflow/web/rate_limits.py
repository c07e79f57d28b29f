"""How many public POSTs one source may send: a sliding window per client address, in memory.

Measured before: anonymous requests wrote audit rows without a limit (200 in 5 s), and the
sign-in and referral pages took whatever came. Each web process counts the POSTs of each client
address over the last minute and answers 429 with ``Retry-After`` beyond
``PARTNERFLOW_WEB_POSTS_PER_MINUTE``; links and
addresses have their own limits where they are used (sign-in links per person, referrals per
sponsor link). Behind a reverse proxy every client shares the proxy's address: set the limit for
that, or have the proxy limit per client.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
SOURCES_KEPT = 10_000


class SlidingWindow:
    """At most ``limit`` events per key over the last ``window`` seconds."""

    def __init__(
        self, limit: int, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait_before(self, key: str) -> int:
        """0 if ``key`` may go now (and count it), else the seconds until it may."""
        now = self.clock()
        with self._lock:
            if len(self._seen) > SOURCES_KEPT:  # forget sources quiet for a window: memory stays bounded
                for quiet in [k for k, times in self._seen.items() if times[-1] <= now - self.window]:
                    del self._seen[quiet]
            seen = self._seen[key]
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return max(1, math.ceil(seen[0] + self.window - now))
            seen.append(now)
            return 0
