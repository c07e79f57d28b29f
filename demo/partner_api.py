"""The partner API part of the demo: a trusted partner's CRM registers a deal with its own key,
retries it with the same Idempotency-Key (nothing registered twice), and reads the decision."""

from __future__ import annotations

from datetime import timedelta

import httpx
from rich.table import Table

from demo.deals import pick_cast
from partnerflow.cli.output import console
from partnerflow.context import context
from partnerflow.db import session_scope
from partnerflow.partner_access import make_api_key


def run_partner_api_demo() -> None:
    """Make the key as the channel team would, then call the API as the partner's CRM does."""
    ctx = context()
    partner = pick_cast().trusted
    assert partner.id is not None
    with session_scope() as session:
        made = make_api_key(
            session,
            ctx.links.keys,
            partner.id,
            name="CRM (demo)",
            scopes=["registrations:read", "registrations:write"],
            created_by="demo",
            now=ctx.clock.now(),
        )
    body = {
        "customer_name": "Transports Rhodaniens SARL",
        "customer_email": "achats@transports-rhodaniens.fr",
        "customer_departement": partner.territory_code,
        "product_lines": ["network"],
        "amount": "16500",
        "expected_close_on": (ctx.clock.today() + timedelta(days=60)).isoformat(),
        "external_id": "CRM-DEMO-1",
    }
    headers = {"Authorization": f"Bearer {made.key}", "Idempotency-Key": "crm-demo-opportunity-1"}
    with httpx.Client(base_url=f"{ctx.settings.web_url}/api/v1", timeout=30) as api:
        first = api.post("/registrations", json=body, headers=headers)
        retried = api.post("/registrations", json=body, headers=headers)
        read = api.get(
            f"/registrations/{first.json()['id']}", headers={"Authorization": headers["Authorization"]}
        )
    table = Table(title=f"{partner.name}'s CRM, key {made.row.prefix}")
    for column in ("call", "HTTP", "registration", "status", "reason"):
        table.add_column(column)
    for call, answer in (("POST", first), ("POST again (same key)", retried), ("GET", read)):
        data = answer.json()
        table.add_row(
            call,
            str(answer.status_code),
            str(data.get("id", "")),
            data.get("status", ""),
            str(data.get("reason") or data.get("detail") or ""),
        )
    console.print(table)
    console.print(f"OpenAPI: {ctx.settings.web_url}/api/v1/openapi.json")
