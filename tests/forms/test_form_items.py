"""A decision form with a field per thing decided, folded back into the details a process reads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from partnerflow.approvals.form_items import FormItem, ItemFields, folded, with_items


class Answer(BaseModel):
    decision: Literal["approve", "reject"]
    comment: str = ""


DEPARTEMENTS = [FormItem("69", "Rhône (69)"), FormItem("2A", "Corse-du-Sud (2A)")]


def test_each_item_is_a_field_titled_with_its_name() -> None:
    form = with_items(Answer, ItemFields("allocation", int, 0, "Units"), DEPARTEMENTS)
    fields = form.model_json_schema()["properties"]
    assert {name: field["title"] for name, field in fields.items() if "__" in name} == {
        "allocation__69": "Rhône (69)",
        "allocation__2A": "Corse-du-Sud (2A)",
    }
    assert fields["allocation__69"] == {
        "default": 0,
        "description": "Units",
        "title": "Rhône (69)",
        "type": "integer",
    }


def test_numbers_fold_into_a_mapping_of_what_was_given() -> None:
    form = with_items(Answer, ItemFields("allocation", int, 0), DEPARTEMENTS)
    answer = form.model_validate({"decision": "approve", "allocation__69": 120})
    assert folded(answer) == {"decision": "approve", "comment": "", "allocation": {"69": 120}}


def test_ticks_fold_into_the_list_of_ticked_keys() -> None:
    form = with_items(Answer, ItemFields("leave_out", bool, False), [FormItem("7", "A"), FormItem("9", "B")])
    answer = form.model_validate({"decision": "approve", "leave_out__9": True})
    assert folded(answer)["leave_out"] == ["9"]
    assert folded(form.model_validate({"decision": "reject"}))["leave_out"] == []


def test_without_items_the_form_is_unchanged() -> None:
    assert with_items(Answer, ItemFields("allocation", int, 0), []) is Answer
    assert folded(Answer(decision="reject")) == {"decision": "reject", "comment": ""}
