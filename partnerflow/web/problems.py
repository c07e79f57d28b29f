"""Errors of the partner API as ``application/problem+json`` (RFC 9457): a type, a title, the
status, a sentence for a person, and for a refused body the fields and why, so a partner's
developer fixes the request from the answer alone."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

PROBLEM_TYPE = "https://partnerflow.example/problems/"


class FieldProblem(BaseModel):
    """One refused field: where it is in the body, and why."""

    field: str = Field(examples=["amount"])
    reason: str = Field(examples=["1,000 is ambiguous: write 1000 or 1000.00 (no thousands separator)"])


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(examples=[f"{PROBLEM_TYPE}invalid-request"])
    title: str = Field(examples=["The request was refused"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["customer_siren: 123 is not a SIREN (9 digits with a valid check digit)"])
    errors: list[FieldProblem] = Field(default_factory=list)


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(type=PROBLEM_TYPE + slug, title=title, status=status, detail=detail, errors=errors or [])
    return JSONResponse(
        body.model_dump(), status_code=status, media_type="application/problem+json", headers=headers
    )


def field_problems(problems: list[str] | tuple[str, ...], fields: Iterable[str]) -> list[FieldProblem]:
    """The intake's problem lines as field problems: a line starting with one of ``fields``
    (``amount '1,000' has...``, ``partner_id: ...``) names it; any other names the body."""
    known = set(fields)
    found = []
    for line in problems:
        first = re.split(r"[\s:\[]", line, maxsplit=1)[0]
        found.append(FieldProblem(field=first if first in known else "", reason=line))
    return found


def validation_problems(errors: list[dict[str, Any]]) -> list[FieldProblem]:
    """pydantic's or FastAPI's validation errors as field problems (``body`` dropped from the path)."""
    return [
        FieldProblem(
            field=".".join(
                str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")
            ),
            reason=str(error.get("msg", "invalid")),
        )
        for error in errors
    ]
