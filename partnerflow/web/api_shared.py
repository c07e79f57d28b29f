"""What every route of the partner API shares: who called (the key's partner), how a refusal is
answered and documented (problem+json), and how lists are paged (newest first, by cursor)."""

from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Query
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from partnerflow.text import MAX_ID
from partnerflow.web.problems import Problem

PAGE_LIMIT = 100
Limit = Annotated[int, Query(ge=1, le=PAGE_LIMIT, description="items per page")]
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID, description="the last page's next_cursor")]


def problem_answer(description: str) -> dict[str, Any]:
    """A documented problem answer: its ``application/problem+json`` body is a :class:`Problem`."""
    shape = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {"model": Problem, "description": description, "content": {"application/problem+json": shape}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: problem_answer("No key, or a key unknown, altered or revoked"),
    403: problem_answer("The key lacks the scope this route needs"),
    422: problem_answer("Refused: the fields and why"),
    429: problem_answer("Too many requests with this key: wait Retry-After seconds"),
}


class Refusal(Exception):
    """A request refused with a problem document."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Caller:
    """Whose key made the request: a partner's."""

    key_id: int
    partner_id: int
    locale: str


@dataclass(frozen=True)
class VendorCaller:
    """A key of the vendor's own systems (its CRM, its website): it acts for no partner."""

    key_id: int


class Owned(Protocol):
    """A table whose rows belong to one partner each."""

    @property
    def id(self) -> int | None: ...
    @property
    def partner_id(self) -> int | None: ...


Row = TypeVar("Row", bound=Owned)


def partners_page(
    engine: Engine, table: type[Row], partner_id: int, limit: int, starting_after: int | None
) -> tuple[list[Row], int | None]:
    """One page of ``partner_id``'s rows of ``table``, newest first, and the next page's cursor
    (None on the last page)."""
    query = select(table).where(col(table.partner_id) == partner_id)
    if starting_after is not None:
        query = query.where(col(table.id) < starting_after)
    with Session(engine) as session:
        rows = list(session.exec(query.order_by(col(table.id).desc()).limit(limit + 1)))
    page = rows[:limit]
    return page, (page[-1].id if len(rows) > limit else None)
