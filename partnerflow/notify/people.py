"""E-mailing the vendor's people who hold a role (finance, channel managers...)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from partnerflow.notify.outbox import enqueue
from partnerflow.notify.rendering import TemplateRenderer
from partnerflow.registration.review import reviewers_for


def notify_role(
    session: Session,
    renderer: TemplateRenderer,
    *,
    role: str,
    template: str,
    key: str,
    context: dict[str, Any],
) -> int:
    """Queue ``template`` for every active person holding ``role``, once each (``key:<person>``);
    each gets ``context`` plus ``person_name``. Returns how many people hold the role."""
    people = reviewers_for(session, role)
    for person in people:
        enqueue(
            session,
            renderer=renderer,
            dedupe_key=f"{key}:{person.id}",
            recipient=person.email,
            template=template,
            locale=person.locale.value,
            context={"person_name": person.name, **context},
        )
    return len(people)
