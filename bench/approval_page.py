"""The approval page: a reviewer's click until the partner's e-mail, and the page under load.

    uv run python bench/approval_page.py [--runs 5] [--clients 20] [--links 600]

Value: median over the runs of POST on the personal link (the reviewer presses Approve) until the
partner's approval e-mail is a file in the SMTP sink (a separate process): the page records the
answer, wakes the suspended review run through the Prefect API, the run applies it and delivers.
Baseline, same process and server: the operators' path, the code typed in the Prefect UI's Resume
form (resume through the API), until the same e-mail. Target: < 3 s.
Then ``--clients`` threads GET and POST ``--links`` distinct personal links (no run to wake):
p95 latencies, against GET /healthz under the same concurrency (the framework's floor).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import mailed_text, report, sink_process
from partnerflow.approvals import Ask, Subject, links_for, open_round
from partnerflow.clock import SYSTEM_CLOCK
from partnerflow.db import get_engine, migrate, session_scope
from partnerflow.models import Partner, PartnerTier, Registration
from partnerflow.notify import free_port
from partnerflow.orchestration.local_server import local_prefect_server
from partnerflow.sample_data.network import seed_demo_network
from partnerflow.settings import Settings

LINK = re.compile(r"https?://\S+/approve/[\w.-]+")
CODE = re.compile(r"\b[2-9A-Z]{5}-[2-9A-Z]{5}\b")
TARGET_SECONDS = 3.0


def review_deal(partner_id: int, territory: str, number: int) -> dict[str, Any]:
    """A deal the shipped policy sends to a channel manager (a registered, uncertified partner)."""
    return {
        "partner_id": partner_id,
        "customer_name": f"Clic {number} SAS",
        "customer_email": f"achats@clic{number}.fr",
        "customer_departement": territory,
        "product_lines": ["network"],
        "amount": 40000,
        "expected_close_on": (datetime.now(UTC).date() + timedelta(days=90)).isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--links", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        url, mail, smtp_port, web_port = (
            f"sqlite:///{root / 'page.db'}",
            root / "mail",
            free_port(),
            free_port(),
        )
        migrate(url)
        with session_scope(get_engine(url)) as session:
            seed_demo_network(session, now=SYSTEM_CLOCK.now())
            partner = session.exec(select(Partner).where(Partner.tier == PartnerTier.REGISTERED)).first()
            assert partner is not None and partner.id is not None
            partner.certified = False
            partner_id, territory = partner.id, partner.territory_code
        os.environ.update(
            {
                "PARTNERFLOW_DATABASE_URL": url,
                "PARTNERFLOW_SMTP_PORT": str(smtp_port),
                "PARTNERFLOW_MAIL_DIR": str(mail),
                "PARTNERFLOW_WEB_URL": f"http://127.0.0.1:{web_port}",
                "PARTNERFLOW_SECRET_KEY": "bench secret key, long enough",
                "PARTNERFLOW_WEB_POSTS_PER_MINUTE": "100000",  # 20 clients on one address
            }
        )
        settings = Settings()
        with (
            sink_process(mail, smtp_port),
            local_prefect_server(root / "prefect", port=free_port()) as server,
        ):
            os.environ["PREFECT_API_URL"] = server.api_url
            from flows.deal_registration import register_deal, review_registration
            from partnerflow.context import build_context
            from partnerflow.orchestration.serving import served_in_thread
            from partnerflow.web import create_app
            from partnerflow.web.server import web_in_thread

            with (
                served_in_thread(register_deal, review_registration, name="bench-approval-page"),
                web_in_thread(create_app(build_context(settings)), "127.0.0.1", web_port) as web,
            ):
                page, form = [], []
                for run in range(args.runs):
                    page.append(click_to_mail(url, mail, partner_id, territory, 2 * run, by_page=True))
                    form.append(click_to_mail(url, mail, partner_id, territory, 2 * run + 1, by_page=False))
                load = page_under_load(settings, web, args.clients, args.links)
            from prefect.logging.handlers import APILogHandler

            APILogHandler().flush()  # while the server still answers
    value, baseline = statistics.median(page), statistics.median(form)
    print(
        f"click -> partner e-mail: page median {value:.2f} s {[round(x, 2) for x in page]}; "
        f"Resume form with the code median {baseline:.2f} s {[round(x, 2) for x in form]}"
    )
    print(
        f"{args.clients} clients, {args.links} links: GET p95 {load['get_p95_ms']} ms, "
        f"POST p95 {load['post_p95_ms']} ms, /healthz p95 {load['healthz_p95_ms']} ms"
    )
    report(
        "approval_page",
        value=value,
        unit="s",
        baseline=baseline,
        target=TARGET_SECONDS,
        higher_is_better=False,
        **load,
    )


def click_to_mail(
    url: str, mail: Path, partner_id: int, territory: str, number: int, *, by_page: bool
) -> float:
    """Start a review run, wait until it waits, answer (page POST or Resume with the code), and
    time the answer until the partner's e-mail is in the sink."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from partnerflow.orchestration.resuming import resume_with_input

    run = run_deployment(
        "register-deal/register-deal",
        parameters={"submission": review_deal(partner_id, territory, number)},
        timeout=0,
    )
    with get_client(sync_client=True) as client:
        wait(lambda: (state := client.read_flow_run(run.id).state) is not None and state.is_paused(), 120)  # type: ignore[union-attr]
    with Session(get_engine(url)) as session:
        registration = session.exec(select(Registration).where(Registration.flow_run_id == str(run.id))).one()  # type: ignore[union-attr]
    invitation = mailed_text(mail, f"review-requested:{registration.id}:")  # what the reviewer reads
    link, code = LINK.search(invitation), CODE.search(invitation)
    assert link is not None and code is not None
    before = len(list(mail.glob("*.eml")))
    start = time.perf_counter()
    if by_page:
        assert httpx.post(link.group(0), data={"decision": "approve"}, timeout=30).status_code == 200
    else:
        resume_with_input(run.id, {"decision": "approve", "approval_code": code.group(0)})  # type: ignore[union-attr]
    wait(lambda: len(list(mail.glob("*.eml"))) > before, 60)
    return time.perf_counter() - start


def page_under_load(settings: Settings, web: str, clients: int, count: int) -> dict[str, Any]:
    """GET then POST ``count`` personal links from ``clients`` threads; /healthz as the floor."""
    links = links_for(settings)
    engine = get_engine(settings.database_url)
    tokens: list[str] = []
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        number = 0
        while len(tokens) < count:
            number += 1
            invitations = open_round(
                session,
                links,
                Ask(
                    Subject("registration", 1_000_000 + number),
                    role="channel-manager",
                    approvers_required=1,
                    summary="### Load\n\n| a | b |\n|---|---|",
                    expires_at=now + timedelta(hours=1),
                    flow_run_id=None,
                    round_number=1,
                ),
                now=now,
            )
            tokens += [invitation.link.removeprefix(settings.web_url) for invitation in invitations]
    tokens = tokens[:count]

    def timed(method: str, path: str, data: dict[str, str] | None = None) -> float:
        start = time.perf_counter()
        response = client.request(method, f"{web}{path}", data=data)
        assert response.status_code == 200, (path, response.status_code)
        return (time.perf_counter() - start) * 1000

    with (
        httpx.Client(limits=httpx.Limits(max_connections=clients)) as client,
        ThreadPoolExecutor(clients) as pool,
    ):
        healthz = list(pool.map(lambda _: timed("GET", "/healthz"), range(count)))
        gets = list(pool.map(lambda path: timed("GET", path), tokens))
        posts = list(pool.map(lambda path: timed("POST", path, {"decision": "approve"}), tokens))
    return {
        "clients": clients,
        "links": count,
        "get_p95_ms": round(p95(gets), 1),
        "post_p95_ms": round(p95(posts), 1),
        "healthz_p95_ms": round(p95(healthz), 1),
    }


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def wait(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("gave up waiting")
        time.sleep(0.01)


if __name__ == "__main__":
    main()
