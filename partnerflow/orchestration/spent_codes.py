"""A decision form's answer as Prefect keeps it, without the code that proved who answered.

Prefect stores what a Resume form received (the flow run input ``suspended-<key>-response``)
for as long as the run exists, readable by anyone the Prefect API lets read the run. The code
in it is single use and spent once the run has taken the answer, but the rule is that nothing
which proves who someone is stays where it can be read (#30): once the run has read an answer,
it is stored again with its code replaced by :data:`SPENT_CODE`.

A run that replays the round later (after each resume it runs again from the start) reads the
redacted answer; the task that took it is cached by subject, run and round, not by the values
(``tasks.settings.ANSWER``), so it returns its first result. If the run dies between reading an
answer and taking it, the replay takes the redacted one: a refusal ("this code is not valid"),
audited, and the person answers again. If it dies between deleting the copy and storing it
again, the replay finds no answer for the round (``flows.runners.DecisionRounds`` reads it as an
empty one). Nothing is applied without a real code.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prefect.input import RunInput

SPENT_CODE = "(spent)"
CODE_FIELD = "approval_code"


def forget_code(answer: RunInput) -> None:
    """Store ``answer`` again (same flow run input key) with its code replaced; nothing to do when
    it carries no code or was redacted already (a replayed round)."""
    from prefect.client.orchestration import get_client

    values = answer.model_dump(mode="json")
    if values.get(CODE_FIELD) in (None, "", SPENT_CODE):
        return
    values[CODE_FIELD] = SPENT_CODE
    run_id, key = answer.metadata.receiver, answer.metadata.key
    with get_client(sync_client=True) as client:
        client.delete_flow_run_input(run_id, key)
        client.create_flow_run_input(run_id, key, json.dumps(values))
