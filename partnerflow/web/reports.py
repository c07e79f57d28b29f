"""The reports, served to whoever holds a signed link: the HTML pages and CSV files the flows
write under ``reports_dir`` (rebalancing, partner health, referrals, settlements).

A report names partners and their figures, so it is not a public URL and not a path on the
server's disk either (which nobody but an operator can open): the artifacts, the e-mails and the
inbox give links signed for one file that expire after ``REPORT_LINK_DAYS``; the inbox gives
fresh ones to a signed-in person. A report page runs no script; its policy allows its own
inline style and the inline SVG charts only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response

from partnerflow.context import Context
from partnerflow.models import Role
from partnerflow.web.inbox_texts import inbox_texts_for

REPORT_LINK_DAYS = 60  # a year's rebalancing is read over weeks; a link older than that is re-asked
REPORT_TYPES = {".html": "text/html; charset=utf-8", ".csv": "text/csv; charset=utf-8"}
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
# Who the inbox offers each report to, by its file name's start: a supply-chain person once
# opened the settlement's payouts from their inbox. The e-mails link each report to its readers.
REPORT_READERS: dict[str, frozenset[Role]] = {
    "settlement-": frozenset({Role.FINANCE, Role.CHANNEL_DIRECTOR, Role.PROGRAMME_OWNER}),
    "rebalancing-": frozenset({Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.PROGRAMME_OWNER}),
    "partner-health-": frozenset({Role.CHANNEL_MANAGER, Role.CHANNEL_DIRECTOR, Role.PROGRAMME_OWNER}),
    "referrals-": frozenset({Role.CHANNEL_DIRECTOR, Role.PROGRAMME_OWNER}),
}
Outcome = Callable[..., HTMLResponse]


def report_file(directory: Path, name: str) -> Path | None:
    """The report ``name`` in ``directory``: a plain file name of a known type, or None (a
    link cannot name another directory, even signed)."""
    if Path(name).name != name or Path(name).suffix not in REPORT_TYPES:
        return None
    path = directory / name
    return path if path.is_file() else None


def latest_reports(directory: Path, roles: frozenset[Role], limit: int = 12) -> list[tuple[str, datetime]]:
    """The newest HTML reports someone holding ``roles`` reads (name, written at), newest first:
    what the inbox lists to them."""
    if not directory.is_dir():
        return []
    written = sorted(
        (
            (path.stat().st_mtime, path.name)
            for path in directory.glob("*.html")
            if _offered(path.name, roles)
        ),
        reverse=True,
    )
    return [(name, datetime.fromtimestamp(mtime, tz=UTC)) for mtime, name in written[:limit]]


def _offered(name: str, roles: frozenset[Role]) -> bool:
    return any(name.startswith(start) and readers & roles for start, readers in REPORT_READERS.items())


def add_reports(app: FastAPI, ctx: Context, outcome: Outcome) -> None:
    """Add ``GET /reports/<token>`` to ``app``."""
    settings, keys = ctx.settings, ctx.links.keys

    @app.get("/reports/{token}")
    def report(token: str) -> Response:
        name = keys.read_report(token, max_age=REPORT_LINK_DAYS * 86400)
        path = report_file(settings.reports_dir, name) if name else None
        if path is None:
            locale = settings.default_locale
            t = inbox_texts_for(locale)
            return outcome(locale, "invalid", t["report_invalid"], t["report_invalid_detail"], status=404)
        response = FileResponse(path, media_type=REPORT_TYPES[path.suffix])
        response.headers["Content-Security-Policy"] = REPORT_POLICY
        return response
