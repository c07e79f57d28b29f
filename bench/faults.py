"""Exactly once under faults: the fault suite's scenarios, counted.

    uv run python bench/faults.py [--count 560] [--kills 4] [--racers 4] [--seed 13]

1. ``--count`` notifications through an SMTP server that refuses 10 % of its sessions at connect
   and fails 20 % of messages (drop mid-DATA, 451 after DATA, accept-then-drop);
2. the same number sent by ``partnerflow mail send-pending`` killed with SIGKILL ``--kills``
   times while it sends (its lease then expires), then run to the end;
3. ``--racers`` processes settling one approved month at once (SQLite).
Last line, one JSON object: queued, delivered_once, duplicates, lost, failed (1 and 2 together),
kills, accept_then_drop, files_per_period (3), pass: nothing lost or failed, at most one
duplicate per accept-then-drop and per kill and SMTP connection, one payment file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine

from partnerflow.db import get_engine, migrate
from partnerflow.notify import free_port
from partnerflow.settings import Settings
from tests.faults.faulty_smtp import Fault
from tests.faults.scenarios import approved_month, files_in, race_settlements, sender_kills, smtp_faults


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=560)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--racers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        faults, log = smtp_faults(*installation(root / "faults"), count=args.count, seed=args.seed)
        engine, settings = installation(root / "kills")
        environment = {
            **os.environ,
            "PARTNERFLOW_DATABASE_URL": settings.database_url,
            "PARTNERFLOW_SMTP_PORT": str(settings.smtp_port),
        }
        kills, landed = sender_kills(
            engine, settings, environment, count=args.count, kills=args.kills, seed=args.seed
        )
        engine, settings = installation(root / "settle")
        folder = settings.payments_dir / "2027-03"
        race_settlements(engine, approved_month(engine, "2027-03"), folder, args.racers)
        files = files_in(folder)
    print(f"SMTP faults: {dict(log.faults)} over {log.sessions} sessions -> {faults}")
    print(f"sender killed {landed} times -> {kills}")
    print(f"{args.racers} settlements of one month at once -> {files} payment file(s)")
    accept_then_drop = log.faults[Fault.ACCEPTED_THEN_DROPPED]
    queued = faults.queued + kills.queued
    not_delivered = faults.lost + kills.lost + faults.failed + kills.failed
    result: dict[str, object] = {
        # the closing line every benchmark prints: here messages lost or failed, of those queued
        "bench": "faults",
        "value": not_delivered,
        "unit": "messages lost or failed",
        "baseline": queued,
        "ratio": round(not_delivered / queued, 3) if queued else 0.0,
        "target": 0,
        "queued": queued,
        "delivered_once": faults.delivered_once + kills.delivered_once,
        "duplicates": faults.duplicates + kills.duplicates,
        "lost": faults.lost + kills.lost,
        "failed": faults.failed + kills.failed,
        "kills": landed,
        "accept_then_drop": accept_then_drop,
        "files_per_period": files,
    }
    result["pass"] = (
        not_delivered == 0
        and faults.duplicates <= accept_then_drop
        and kills.duplicates <= landed * settings.mail_connections
        and files == 1
    )
    print(json.dumps(result))


def installation(root: Path) -> tuple[Engine, Settings]:
    """A fresh SQLite database and settings of its own (SMTP port, folders)."""
    url = f"sqlite:///{root / 'partnerflow.db'}"
    root.mkdir(parents=True)
    migrate(url)
    settings = Settings(
        database_url=url,
        smtp_port=free_port(),
        mail_dir=root / "mail",
        payments_dir=root / "payments",
        secret_key="bench secret key, long enough",  # type: ignore[arg-type]
    )
    return get_engine(url), settings


if __name__ == "__main__":
    main()
