"""Decision forms with one field per thing decided: a box per département for a supply-chain
allocation, a tick per reseller whose pause a manager refuses, an action per at-risk partner.

A form that asked for "reseller ids to keep" or a JSON object of units per département made
people type identifiers they never see; the subject's own items become named fields instead
(``allocation__69`` titled "Rhône (69)"), and :func:`folded` turns an answer back into the
details the process reads (``{"allocation": {"69": 120}}``), so the approval page, the CLI and
the Prefect form keep feeding one reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Field, TypeAdapter, create_model

SEPARATOR = "__"
Form = TypeVar("Form", bound=BaseModel)


@dataclass(frozen=True)
class FormItem:
    """One thing decided on a form: its key in the details, and its name for people."""

    key: str
    label: str


@dataclass(frozen=True)
class DecisionForm:
    """What a decision run shows above its form, and the items that get a field each."""

    summary: str
    items: tuple[FormItem, ...] = ()


@dataclass(frozen=True)
class ItemFields:
    """A group of per-item fields: the details key they fold into, their type and default."""

    group: str
    annotation: Any
    default: Any
    description: str = ""


def with_items(form: type[Form], fields: ItemFields, items: Sequence[FormItem]) -> type[Form]:
    """``form`` with one field per item (titled with the item's label); ``form`` itself when
    there is nothing to decide item by item."""
    if not items:
        return form
    definitions: dict[str, Any] = {
        f"{fields.group}{SEPARATOR}{item.key}": (
            fields.annotation,
            Field(default=fields.default, title=item.label, description=fields.description),
        )
        for item in items
    }
    built: type[Form] = create_model(form.__name__, __base__=form, **definitions)
    return built


def folded(answer: BaseModel) -> dict[str, Any]:
    """The answer's values with its per-item fields folded into their group: ticked boxes
    become the list of their keys, other values left at their default are dropped."""
    values = answer.model_dump()
    groups: dict[str, Any] = {}
    for name, field in type(answer).model_fields.items():
        group, separator, key = name.partition(SEPARATOR)
        if not separator:
            continue
        value = values.pop(name)
        if isinstance(value, bool):
            chosen = groups.setdefault(group, [])
            if value:
                chosen.append(key)
        else:
            given = groups.setdefault(group, {})
            if value != field.default:
                given[key] = value
    return {**values, **groups}


def listed_ids(given: Any) -> list[int]:
    """Record ids as a form gives them: ticked boxes (a list of keys) on the Prefect form, or
    ``3, 17`` typed on the approval page. Anything that is not a whole number raises
    ValidationError (a ValueError), which refuses the answer."""
    raw = given or []
    return TypeAdapter(list[int]).validate_python(
        raw.replace(",", " ").split() if isinstance(raw, str) else raw
    )
