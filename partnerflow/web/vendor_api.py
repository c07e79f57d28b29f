"""The vendor's own systems on the API (``/api/v1/vendor``), with a vendor key (it acts for no
partner): the vendor's CRM keeps its copy of every partner's registrations in step, reading what
changed since its last call (``vendor:registrations:read``).

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations at runtime.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.models import Registration, RegistrationStatus
from partnerflow.text import MAX_ID
from partnerflow.web.api_shared import PROBLEMS, Cursor, Limit, VendorCaller
from partnerflow.web.registration_views import RegistrationView


class VendorRegistrationView(RegistrationView):
    partner_id: int | None = Field(examples=[42], description="the partner who registered it")


class VendorRegistrationPage(BaseModel):
    """Registrations in the order they were made; ``next_cursor`` continues after the last one."""

    data: list[VendorRegistrationView]
    next_cursor: int | None = Field(description="pass as after; null when there is nothing more")


def add_vendor_reads(api: FastAPI, engine: Engine, reader: Callable[..., VendorCaller], locale: str) -> None:
    @api.get(
        "/vendor/registrations",
        response_model=VendorRegistrationPage,
        responses=PROBLEMS,
        summary="Every partner's registrations, for the vendor's CRM",
    )
    def registrations(
        _who: Annotated[VendorCaller, Depends(reader)],
        limit: Limit = 100,
        after: Cursor = None,
        partner_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="one partner's only")] = None,
        status: Annotated[RegistrationStatus | None, Query(description="in this status only")] = None,
    ) -> VendorRegistrationPage:
        """Oldest first, ``limit`` per page, continuing ``after`` the last id read: a sync keeps
        the last ``next_cursor`` and starts from it next time. Reasons in the installation's
        language."""
        query = select(Registration)
        if after is not None:
            query = query.where(col(Registration.id) > after)
        if partner_id is not None:
            query = query.where(Registration.partner_id == partner_id)
        if status is not None:
            query = query.where(Registration.status == status)
        with Session(engine) as session:
            rows = list(session.exec(query.order_by(col(Registration.id)).limit(limit + 1)))
        page = [
            VendorRegistrationView(**RegistrationView.of(row, locale).model_dump(), partner_id=row.partner_id)
            for row in rows[:limit]
        ]
        return VendorRegistrationPage(data=page, next_cursor=page[-1].id if len(rows) > limit else None)
