"""Campaign offers: N eligible partners, offers queued through the outbox and delivered over SMTP.

    uv run python bench/campaign_notify.py [--partners 5000]

Value: e-mails per second for the whole notification step (eligibility, rendering, outbox,
delivery to a local aiosmtpd in its own process). Baseline: the SMTP delivery part alone, timed
in the same run, so the ratio says what the steps before delivery cost. Target: >= 300 e-mails/s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import report, sink_process
from partnerflow.approvals import links_for, unsealer
from partnerflow.campaigns.offers import send_due_offers
from partnerflow.db import get_engine, migrate, session_scope
from partnerflow.models import Campaign, CampaignStatus, Territory
from partnerflow.notify import TemplateRenderer, deliver_pending, free_port
from partnerflow.policy import load_file
from partnerflow.sample_data import insert_partners
from partnerflow.settings import PROJECT_ROOT, Settings

TARGET = 300.0


def prepare(url: str, partners: int) -> None:
    migrate(url)
    now = datetime.now(UTC)
    with session_scope(get_engine(url)) as session:
        session.execute(insert(Territory), [{"code": code, "name": code} for code in ("69", "75", "13")])
        insert_partners(
            session,
            [
                {
                    "name": f"Partenaire {n} SAS",
                    "tier": ("silver", "gold", "platinum")[n % 3],
                    "status": "active",
                    "locale": "en" if n % 5 == 0 else "fr",
                    "territory_code": ("69", "75", "13")[n % 3],
                    "contact_email": f"contact@p{n}.example",
                    "certified": True,
                    "created_at": now,
                }
                for n in range(partners)
            ],
        )
        session.add(
            Campaign(
                status=CampaignStatus.APPROVED,
                name="Switches 24 ports",
                product_line="network",
                skus=["SW-24P-POE"],
                discount_pct=Decimal("25"),
                starts_on=now.date(),
                ends_on=now.date() + timedelta(days=30),
                quantity=5000,
                created_at=now,
                requester_email="marketing@vendor.example",
                programme_reference="PL-BENCH",
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=5000)
    args = parser.parse_args()
    policy = load_file(PROJECT_ROOT / "policies" / "discount_campaign" / "2026-01-01.yaml")
    renderer = TemplateRenderer(PROJECT_ROOT / "email_templates")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        url, port = f"sqlite:///{root / 'campaign.db'}", free_port()
        settings = Settings(
            database_url=url, smtp_port=port, mail_dir=root / "mail", mail_batch_size=args.partners
        )
        prepare(url, args.partners)
        with sink_process(settings.mail_dir, port):
            start = time.perf_counter()
            with session_scope(get_engine(url)) as session:
                queued = send_due_offers(
                    session, policy_for=lambda _day: policy, renderer=renderer, now=datetime.now(UTC)
                ).offers_queued
            delivery_start = time.perf_counter()
            delivered = asyncio.run(
                deliver_pending(get_engine(url), settings, unseal=unsealer(links_for(settings)))
            )
            end = time.perf_counter()
    assert queued == args.partners and delivered.sent == args.partners, (queued, delivered)
    whole, smtp = end - start, end - delivery_start
    print(f"{args.partners} offers: queued in {delivery_start - start:.2f} s, delivered in {smtp:.2f} s")
    report(
        "campaign_notify",
        value=args.partners / whole,
        unit="e-mails/s",
        baseline=args.partners / smtp,
        target=TARGET,
        queue_seconds=round(delivery_start - start, 2),
        smtp_seconds=round(smtp, 2),
    )


if __name__ == "__main__":
    main()
