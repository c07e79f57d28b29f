"""Partner and reviewer notifications: render (Jinja2 + Babel), store (outbox), deliver (SMTP)."""

from partnerflow.locales import LOCALES
from partnerflow.notify.outbox import enqueue, find_by_key
from partnerflow.notify.rendering import RenderedMessage, TemplateRenderer
from partnerflow.notify.sealing import Sealed, Unseal, opened
from partnerflow.notify.sender import DeliveryReport, backoff, build_message, deliver_pending
from partnerflow.notify.sink import (
    MailSink,
    free_port,
    notification_key,
    plain_text,
    port_is_free,
    received_messages,
)

__all__ = [
    "LOCALES",
    "DeliveryReport",
    "MailSink",
    "RenderedMessage",
    "Sealed",
    "TemplateRenderer",
    "Unseal",
    "backoff",
    "build_message",
    "deliver_pending",
    "enqueue",
    "find_by_key",
    "free_port",
    "notification_key",
    "opened",
    "plain_text",
    "port_is_free",
    "received_messages",
]
