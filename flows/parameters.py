"""The types of deployment parameters: what a person may type in a custom run or an API call.

Prefect turns them into the deployment's parameter schema, which the server enforces when a run
is created (``enforce_parameter_schema``: a value out of range is refused in one line naming the
field, and no run exists) and which the flow checks again when it starts. So a registration
number of 2^63 or a month 13 never reaches the database.
"""

from typing import Annotated

from pydantic import Field

from partnerflow.models import Role
from partnerflow.schema_hints import EmptyMeansDefault
from partnerflow.text import MAX_ID


class ParameterRefused(ValueError):
    """A parameter the schema lets through but the programme refuses (a month not over, a year
    with no leads): the run ends Failed with this one line, before it changes anything, and
    ``recover-crashed-runs`` leaves it alone (it reruns only Crashed runs)."""


LeftEmpty = EmptyMeansDefault()
"""On an optional parameter (``Annotated[MonthText | None, LeftEmpty]``): the form shows the
field as its type, and leaving it empty means the flow's default (last month...), instead of a
"type None" toggle."""

RecordNumber = Annotated[int, Field(ge=1, le=MAX_ID, description="the record's number")]
MonthText = Annotated[
    str, Field(pattern=r"^20\d\d-(0[1-9]|1[0-2])$", description="a month of 2000-2099, YYYY-MM")
]
QuarterLabel = Annotated[str, Field(pattern=r"^20\d\d-Q[1-4]$", description="a quarter, YYYY-Qn")]
ProgrammeYear = Annotated[int, Field(ge=2000, le=2100, description="a calendar year")]
ChunkSize = Annotated[int, Field(ge=1, le=10_000, description="rows decided per transaction")]
DeliveryLimit = Annotated[int, Field(ge=1, le=100_000, description="messages sent per run at most")]
RunId = Annotated[
    str,
    Field(
        pattern=r"^(prefect\.flow-run\.)?[0-9a-fA-F-]{36}$",
        description="a flow run id (UUID), or the event resource naming it (prefect.flow-run.<id>)",
    ),
]

__all__ = [
    "ChunkSize",
    "DeliveryLimit",
    "LeftEmpty",
    "MonthText",
    "ParameterRefused",
    "ProgrammeYear",
    "QuarterLabel",
    "RecordNumber",
    "Role",
    "RunId",
]
