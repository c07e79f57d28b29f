"""A local SMTP server (aiosmtpd) that writes each message it receives as an ``.eml`` file.

Used by ``partnerflow mail sink``, ``partnerflow up``, the demo and the tests, so development never
needs a real mail server and every e-mail can be opened in a mail client.
"""

from __future__ import annotations

import itertools
import socket
import threading
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nobody listens on ``port`` (so a sink can start there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((host, port)) != 0


class EmlDirectoryHandler:
    """aiosmtpd handler: one ``<UTC time>-<n>.eml`` file per accepted message."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        with self._lock:
            number = next(self._counter)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (self.directory / f"{stamp}-{number:05d}.eml").write_bytes(content)
        return "250 Message accepted for delivery"


class MailSink:
    """Start and stop a sink on ``host:port``; usable as a context manager.

    Example:
        >>> with MailSink(Path("var/mail"), port=1025) as sink:
        ...     deliver(...)  # then read sink.messages()
    """

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 1025) -> None:
        self.directory = directory
        self.host = host
        self.port = port
        self._controller = Controller(EmlDirectoryHandler(directory), hostname=host, port=port)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    def message_files(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        """Every stored message, parsed, oldest first."""
        return received_messages(self.directory)


def received_messages(directory: Path) -> list[EmailMessage]:
    """Every message a sink stored in ``directory``, parsed, oldest first (files are named by
    arrival time): what people read, links and codes included (the outbox keeps neither)."""
    files = sorted(directory.glob("*.eml")) if directory.is_dir() else []
    parsed = (message_from_bytes(path.read_bytes(), policy=default_policy) for path in files)
    return [message for message in parsed if isinstance(message, EmailMessage)]


def notification_key(message: EmailMessage) -> str:
    """The outbox key a sent message carries (``X-Partnerflow-Notification``). A long key is
    folded onto the header's next line, which leaves a leading space in the parsed value: a reader
    comparing it as it came missed every survey invitation of the demo."""
    return str(message["X-Partnerflow-Notification"] or "").strip()


def plain_text(message: EmailMessage) -> str:
    """The text part of a message the sender built (multipart/alternative)."""
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()) if isinstance(body, EmailMessage) else ""
