"""Latency of one auto-approved submission: submit -> approval e-mail in the SMTP sink.

    uv run python bench/deal_latency.py [--runs 5]

Value: median over the runs of the register-deal flow called against a local Prefect server,
until the e-mail file exists in the sink (a separate process). Baseline: the same with the core
alone (intake + delivery, no Prefect). Target: < 3 s. Picking up a run from a deployment adds
the worker's polling and process start (see bench/README.md); that is not counted here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import report, sink_process
from partnerflow.approvals import links_for, unsealer
from partnerflow.clock import SYSTEM_CLOCK
from partnerflow.db import get_engine, migrate, session_scope
from partnerflow.models import Partner, PartnerTier
from partnerflow.notify import TemplateRenderer, deliver_pending, free_port
from partnerflow.orchestration.local_server import local_prefect_server
from partnerflow.policy import load_policy
from partnerflow.registration.intake import take_in
from partnerflow.sample_data.network import seed_demo_network
from partnerflow.settings import PROJECT_ROOT, Settings


def small_deal(partner_id: int, territory: str, number: int) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "customer_name": f"Latence {number} SAS",
        "customer_email": f"achats@latence{number}.fr",
        "customer_departement": territory,
        "product_lines": ["network"],
        "amount": 9000,
        "expected_close_on": "2027-06-30",
    }


def wait_for_mail(directory: Path, count: int, deadline: float) -> None:
    while len(list(directory.glob("*.eml"))) < count:
        if time.perf_counter() > deadline:
            raise TimeoutError("the approval e-mail did not arrive")
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        url, mail, port = f"sqlite:///{root / 'latency.db'}", root / "mail", free_port()
        migrate(url)
        with session_scope(get_engine(url)) as session:
            seed_demo_network(session, now=SYSTEM_CLOCK.now())
            partner = session.get(Partner, 1)
            assert partner is not None
            partner.tier, partner.certified = PartnerTier.GOLD, True
            territory = partner.territory_code
        os.environ.update(
            {
                "PARTNERFLOW_DATABASE_URL": url,
                "PARTNERFLOW_SMTP_PORT": str(port),
                "PARTNERFLOW_MAIL_DIR": str(mail),
            }
        )
        with sink_process(mail, port):
            settings = Settings()
            renderer = TemplateRenderer(PROJECT_ROOT / "email_templates")
            policy = load_policy("deal_registration", date.today(), PROJECT_ROOT / "policies")
            core: list[float] = []
            for run in range(args.runs):
                start = time.perf_counter()
                with session_scope(get_engine(url)) as session:
                    take_in(
                        session,
                        small_deal(1, territory, run),
                        policy=policy,
                        renderer=renderer,
                        now=datetime.now(UTC),
                    )
                delivered = asyncio.run(
                    deliver_pending(get_engine(url), settings, unseal=unsealer(links_for(settings)))
                )
                assert delivered.sent == 1, delivered
                wait_for_mail(mail, run + 1, start + 30)
                core.append(time.perf_counter() - start)
            with local_prefect_server(root / "prefect", port=free_port()) as server:
                os.environ["PREFECT_API_URL"] = server.api_url
                from flows.deal_registration import register_deal
                from partnerflow.registration.submission import DealSubmission

                flow: list[float] = []
                for run in range(args.runs):
                    submission = DealSubmission.model_validate(small_deal(1, territory, 100 + run))
                    start = time.perf_counter()
                    assert register_deal(submission).intake.outcome == "approve"
                    wait_for_mail(mail, args.runs + run + 1, start + 30)
                    flow.append(time.perf_counter() - start)
                from prefect.logging.handlers import APILogHandler

                APILogHandler().flush()  # while the server still answers
    value, baseline = statistics.median(flow), statistics.median(core)
    print(
        f"submit -> e-mail: flow median {value:.2f} s {[round(x, 2) for x in flow]}, "
        f"core median {baseline:.3f} s"
    )
    report("deal_latency", value=value, unit="s", baseline=baseline, target=3.0, higher_is_better=False)


if __name__ == "__main__":
    main()
