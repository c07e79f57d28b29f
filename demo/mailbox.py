"""What the demo's people find in their mailbox: the e-mails the local SMTP sink received.

The demo answers as people do, with the links and codes in the e-mails they received, not from
the outbox: the outbox keeps no credential (see ``partnerflow.notify.sealing``). Reading runs
the sender once first, as its schedule would by then.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from partnerflow.approvals import unsealer
from partnerflow.context import context
from partnerflow.db import get_engine
from partnerflow.notify import deliver_pending, notification_key, plain_text, received_messages


@dataclass(frozen=True)
class Received:
    recipient: str
    key: str  # the outbox's dedupe key, in the X-Partnerflow-Notification header
    text: str


def received(*, key_prefix: str = "", recipient: str | None = None, within: float = 10.0) -> list[Received]:
    """E-mails received so far (newest first) whose key starts with ``key_prefix``, waiting up to
    ``within`` seconds for a first one (the web app sends a sign-in link in the background)."""
    ctx = context()
    deadline = time.monotonic() + within
    while True:
        asyncio.run(deliver_pending(get_engine(), ctx.settings, unseal=unsealer(ctx.links)))
        found = _in_mailbox(ctx.settings.mail_dir, key_prefix, recipient)
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def _in_mailbox(folder: Path, key_prefix: str, recipient: str | None) -> list[Received]:
    found = [
        Received(str(message["To"]), notification_key(message), plain_text(message))
        for message in reversed(received_messages(folder))
    ]
    return [mail for mail in found if mail.key.startswith(key_prefix) and recipient in (None, mail.recipient)]
