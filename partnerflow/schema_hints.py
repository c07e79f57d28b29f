"""How a typed field is drawn on the forms people fill in.

Prefect draws a deployment's custom-run form and a paused run's Resume form from JSON Schema
(the parameters' and the RunInput's). Left to pydantic's defaults, an optional field is an
``anyOf`` with ``null`` that the form shows as a "type None" toggle, an amount (Decimal) is a
number-or-text toggle, and a field whose values come from a known set is free text. These hints
change only what the schema shows; validation stays the model's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import CoreSchema, core_schema

SchemaEdit = Callable[[dict[str, Any]], None]


def _keep(schema: dict[str, Any], kept: frozenset[str]) -> None:
    branches = schema.pop("anyOf", None)
    if branches is None:
        return
    chosen = [branch for branch in branches if branch.get("type") in kept] or branches
    if len(chosen) == 1:
        schema.update(chosen[0])
    else:
        schema["anyOf"] = chosen


def _optional(schema: dict[str, Any]) -> None:
    """An optional field shown as its own type; left empty it means "not given"."""
    _keep(schema, frozenset({"string", "integer", "number", "boolean", "array", "object"}))
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    pattern = schema.get("pattern")
    if isinstance(pattern, str):  # an emptied text box sends "" for "not given"
        schema["pattern"] = f"^(?:{pattern.removeprefix('^').removesuffix('$')})?$"


def _number(schema: dict[str, Any]) -> None:
    """A Decimal shown as a number (pydantic also offers text, for exactness over JSON)."""
    _keep(schema, frozenset({"number"}))
    _optional(schema)
    if isinstance(schema.get("default"), str):
        schema["default"] = float(schema["default"])


OPTIONAL: SchemaEdit = _optional
NUMBER: SchemaEdit = _number


class ShownAs:
    """An edit as an annotation, for where a ``Field(json_schema_extra=...)`` cannot go: Prefect
    adds its own extra (the parameter's position) to a flow parameter's field, and pydantic keeps
    only one of the two (see :class:`EmptyMeansDefault`)."""

    def __init__(self, edit: SchemaEdit) -> None:
        self.edit = edit

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        schema = dict(handler(core_schema))
        self.edit(schema)
        return schema


class EmptyMeansDefault(ShownAs):
    """An optional parameter shown as its type, where an emptied box ("") means not given."""

    def __init__(self) -> None:
        super().__init__(OPTIONAL)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(blank_is_none, handler(source))


def one_of(values: Callable[[], Iterable[str]]) -> SchemaEdit:
    """A text field chosen from a list read when the schema is made (a catalogue in settings, the
    départements): the form offers a select instead of a text box."""

    def edit(schema: dict[str, Any]) -> None:
        schema["enum"] = list(values())
        for constraint in ("minLength", "maxLength", "pattern"):
            schema.pop(constraint, None)

    return edit


def blank_is_none(value: Any) -> Any:
    """What a form's emptied optional box sends ("" or spaces) read as "not given"."""
    return None if isinstance(value, str) and not value.strip() else value
