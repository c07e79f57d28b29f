"""An SMTP server that fails the way real ones do.

Each session may be refused at connect (421); each message may then meet a fault (seeded draws,
so a run can be replayed): the connection dropped during DATA (nothing stored), "try later"
after DATA (451, nothing stored), or accepted and then dropped before the client hears the 250
(stored: the one fault after which a duplicate is unavoidable, since the sender cannot know the
message arrived). A dropped connection ends the session, as it does for real. Every stored
message is counted by its ``X-Partnerflow-Notification`` header.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# a long key is folded onto the next line: "X-Partnerflow-Notification: \r\n survey-invitation:..."
NOTIFICATION_HEADER = re.compile(
    rb"^X-Partnerflow-Notification:[ \t]*(?:\r?\n[ \t]+)?(\S.*?)\r?$", re.MULTILINE
)


class Fault(StrEnum):
    NONE = "none"
    REFUSED_AT_CONNECT = "421-at-connect"
    DROPPED_MID_DATA = "drop-mid-data"
    TRY_LATER = "451-after-data"
    ACCEPTED_THEN_DROPPED = "accept-then-drop"


SHARES = {  # the shares of the measurement that found the sender's faults (30 % in all)
    Fault.REFUSED_AT_CONNECT: 0.10,  # of sessions
    Fault.DROPPED_MID_DATA: 0.07,  # of messages, as all below
    Fault.TRY_LATER: 0.10,
    Fault.ACCEPTED_THEN_DROPPED: 0.03,
}


@dataclass
class FaultLog:
    """What the server did: faults by kind, and every stored message by notification key."""

    seed: int
    shares: dict[Fault, float] = field(default_factory=lambda: dict(SHARES))
    faults: Counter[Fault] = field(default_factory=Counter)
    stored: Counter[str] = field(default_factory=Counter)
    sessions: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw_session(self) -> Fault:
        """Refuse this session at connect, or not."""
        with self._lock:
            self.sessions += 1
            refused = self._random.random() < self.shares.get(Fault.REFUSED_AT_CONNECT, 0.0)
        return Fault.REFUSED_AT_CONNECT if refused else Fault.NONE

    def draw_message(self) -> Fault:
        """The fault this message meets, if any."""
        with self._lock:
            roll, floor = self._random.random(), 0.0
            for fault, share in self.shares.items():
                if fault is Fault.REFUSED_AT_CONNECT:
                    continue
                floor += share
                if roll < floor:
                    return fault
        return Fault.NONE

    def happened(self, fault: Fault) -> None:
        with self._lock:
            self.faults[fault] += 1

    def store(self, content: bytes) -> None:
        found = NOTIFICATION_HEADER.search(content)
        with self._lock:
            self.stored[found.group(1).decode() if found else "?"] += 1


class FaultySMTP(SMTP):
    """aiosmtpd's server, refusing some sessions at connect."""

    def __init__(self, handler: FaultyHandler, log: FaultLog, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.fault_log = log

    async def _handle_client(self) -> None:
        if self.fault_log.draw_session() is Fault.REFUSED_AT_CONNECT:
            self.fault_log.happened(Fault.REFUSED_AT_CONNECT)
            await self.push("421 4.3.2 Service not available, closing channel")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()


class FaultyHandler:
    """Stores what it accepts, unless the message's draw says otherwise."""

    async def handle_DATA(self, server: FaultySMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        fault = server.fault_log.draw_message()
        content = envelope.original_content or b""
        if fault is Fault.NONE:
            server.fault_log.store(content)
            return "250 2.0.0 OK"
        server.fault_log.happened(fault)
        if fault is Fault.TRY_LATER:
            return "451 4.3.0 Temporary failure, try again later"
        if fault is Fault.ACCEPTED_THEN_DROPPED:
            server.fault_log.store(content)
        assert server.transport is not None
        server.transport.close()  # the client never hears an answer to its DATA
        return "250 2.0.0 OK"  # written to a closed transport: lost


class FaultyServer(Controller):
    """Start and stop the faulty server on 127.0.0.1:``port``."""

    def __init__(self, log: FaultLog, port: int) -> None:
        super().__init__(FaultyHandler(), hostname="127.0.0.1", port=port)
        self.fault_log = log

    def factory(self) -> FaultySMTP:
        return FaultySMTP(self.handler, self.fault_log)
