"""Every setting a policy file can hold is read by the code: a key nobody reads (the 2026 plan's
accelerators, once) lets a policy promise what partnerflow never does."""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from partnerflow.policy import POLICY_KINDS
from partnerflow.settings import PROJECT_ROOT

PRODUCT_CODE = "\n".join(
    path.read_text(encoding="utf-8")
    for folder in ("partnerflow", "flows", "tasks")
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
)


def models_in(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from models_in(argument)


def fields_of(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[tuple[str, str]]:
    """(model name, field name) for the model and every model nested in its fields."""
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield model.__name__, name
        for nested in models_in(info.annotation):
            yield from fields_of(nested, seen)


FIELDS = sorted(
    {
        (kind, owner, name)
        for kind, document in POLICY_KINDS.items()
        for owner, name in fields_of(document, set())
    }
)


@pytest.mark.parametrize(("kind", "owner", "name"), FIELDS, ids=lambda value: str(value))
def test_the_code_reads_the_field(kind: str, owner: str, name: str) -> None:
    read = re.search(rf"\.{name}\b|\[\"{name}\"\]|\bgetattr\([\w.]+, \"{name}\"", PRODUCT_CODE)
    assert read, f"{kind}: {owner}.{name} is declared but nothing reads it"
