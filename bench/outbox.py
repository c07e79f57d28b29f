"""Outbox throughput: render, store and deliver N notifications to a local aiosmtpd.

    uv run python bench/outbox.py [--count 1000]

Target: >= 300 notifications/s end to end (render + enqueue + deliver). The baseline is the bare
floor of the same run: the same N messages, already built, sent with aiosmtplib over one
connection to the same server, with no database and no rendering.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiosmtplib
import yaml
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import report, sink_process
from partnerflow.approvals import links_for, unsealer
from partnerflow.db import get_engine, migrate
from partnerflow.models import Notification
from partnerflow.notify import TemplateRenderer, build_message, deliver_pending, enqueue, free_port
from partnerflow.settings import PROJECT_ROOT, Settings

TARGET = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        port = free_port()
        settings = Settings(
            database_url=f"sqlite:///{root / 'bench.db'}",
            mail_dir=root / "mail",
            smtp_port=port,
            mail_batch_size=args.count,
        )
        migrate(settings.database_url)
        engine = get_engine(settings.database_url)
        renderer = TemplateRenderer(PROJECT_ROOT / "email_templates")
        sample = yaml.safe_load((PROJECT_ROOT / "email_templates" / "samples.yaml").read_text("utf-8"))
        with sink_process(settings.mail_dir, port):
            start = time.perf_counter()
            with Session(engine) as session:
                for number in range(args.count):
                    enqueue(
                        session,
                        renderer=renderer,
                        dedupe_key=f"bench:{number}",
                        recipient=f"partner{number}@bench.example",
                        template="partner_welcome",
                        locale="fr" if number % 3 else "en",
                        context=sample["partner_welcome"],
                    )
                session.commit()
            queued = time.perf_counter()
            delivery = asyncio.run(deliver_pending(engine, settings, unseal=unsealer(links_for(settings))))
            end = time.perf_counter()
            assert delivery.sent == args.count, delivery

            with Session(engine) as session:
                unseal = unsealer(links_for(settings))
                built = [
                    build_message(n, settings.mail_sender, unseal) for n in session.exec(select(Notification))
                ]
            baseline_start = time.perf_counter()
            asyncio.run(_send_raw(built, port))
            baseline_seconds = time.perf_counter() - baseline_start
            received = len(list(settings.mail_dir.glob("*.eml")))
    total = end - start
    print(
        f"{args.count} notifications: render+store {queued - start:.2f} s, deliver {end - queued:.2f} s; "
        f"bare aiosmtplib {baseline_seconds:.2f} s; sink received {received}"
    )
    report(
        "outbox",
        value=args.count / total,
        unit="notifications/s",
        baseline=args.count / baseline_seconds,
        target=TARGET,
        render_store_seconds=round(queued - start, 2),
        deliver_seconds=round(end - queued, 2),
    )


async def _send_raw(messages: list[object], port: int) -> None:
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as smtp:
        for message in messages:
            await smtp.send_message(message)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
