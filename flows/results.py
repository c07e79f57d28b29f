"""What flow runs return: typed results, not hand-built dicts.

Prefect persists a run's return value and shows it in the UI; a pydantic model keeps its field
names and types there and in the tests that read it (``result.status``, not ``result["status"]``
whose misspelling only fails at run time). Each flow declares its own result next to it; what
many share is here: the e-mails a run sent, and where a decision run ended.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from partnerflow.notify import DeliveryReport


class FlowResult(BaseModel):
    """The base of every flow's result: frozen (a finished run's result does not change)."""

    model_config = ConfigDict(frozen=True)


class Mail(FlowResult):
    """The outbox delivery a run did at its end: sent, to retry later (the outbox keeps them),
    failed for good."""

    sent: int = 0
    retry_later: int = 0
    failed: int = 0

    @classmethod
    def of(cls, report: DeliveryReport) -> Mail:
        return cls(sent=report.sent, retry_later=report.retry_later, failed=report.failed)


class Webhooks(FlowResult):
    """The webhook deliveries a run made: delivered (2xx), to try again later, failed for good."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


class LeadDistribution(FlowResult):
    """A distribution run: offers made, leads sent to the channel manager, offers reminded and
    passed on, accepted leads asked for a status."""

    offered: int = 0
    to_manager: int = 0
    reminded: int = 0
    withdrawn: int = 0
    status_reminded: int = 0


class LeadIntakeResult(FlowResult):
    """Leads taken in (new, already known by their external_id, refused with their problems)
    and what the routing that followed did."""

    taken: int = 0
    known: int = 0
    refused: list[dict[str, Any]] = []
    offered: int = 0
    to_manager: int = 0


class Decided(FlowResult):
    """A decision run's end: its subject (a registration, a batch, a review...; none when there
    was nothing to decide), where the decision ended, and what the run mailed after it."""

    subject: int | None
    status: str
    mail: Mail = Mail()
