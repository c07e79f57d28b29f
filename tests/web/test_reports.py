"""Reports are read through the web app with a signed link (from an artifact, an e-mail or the
inbox), never as a path on the server's disk; a link opens one report file and nothing else."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import Engine

from partnerflow.approvals import keys_for, links_for
from partnerflow.models import Role
from partnerflow.settings import Settings
from partnerflow.web.reports import REPORT_POLICY, latest_reports, report_file
from tests.web.pages import invite
from tests.web.test_inbox import DIRECTOR, sign_in


def write(settings: Settings, name: str, body: str) -> None:
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    (settings.reports_dir / name).write_text(body, encoding="utf-8")


def path_of(link: str) -> str:
    return "/reports/" + link.rsplit("/reports/", 1)[1]


def test_a_signed_link_opens_its_report_with_no_script_allowed(
    client: httpx.Client, settings: Settings
) -> None:
    write(settings, "rebalancing-2026.html", "<h1>Reseller rebalancing 2026</h1>")
    response = client.get(path_of(links_for(settings).report("rebalancing-2026.html")))
    assert response.status_code == 200 and "Reseller rebalancing 2026" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == REPORT_POLICY and "script" not in REPORT_POLICY


def test_the_csv_beside_it_opens_as_csv(client: httpx.Client, settings: Settings) -> None:
    write(settings, "rebalancing-2026.csv", "partner_id,name\n1,Lumen\n")
    response = client.get(path_of(links_for(settings).report("rebalancing-2026.csv")))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")


def test_an_altered_or_foreign_link_opens_nothing(client: httpx.Client, settings: Settings) -> None:
    write(settings, "rebalancing-2026.html", "secret figures")
    link = path_of(links_for(settings).report("rebalancing-2026.html"))
    for path in (link[:-3] + "abc", "/reports/rebalancing-2026.html", "/reports/" + "x" * 5000):
        response = client.get(path)
        assert response.status_code == 404 and "secret figures" not in response.text
        assert "not valid" in response.text or "pas valide" in response.text


def test_a_signed_name_outside_the_reports_folder_is_refused(settings: Settings) -> None:
    write(settings, "rebalancing-2026.html", "x")
    (settings.reports_dir.parent / "partnerflow.txt").write_text("not a report", encoding="utf-8")
    assert report_file(settings.reports_dir, "rebalancing-2026.html") is not None
    for name in ("../partnerflow.txt", "../partnerflow.db", "/etc/passwd", "rebalancing-2026.py", ""):
        assert report_file(settings.reports_dir, name) is None


def test_a_link_expires(settings: Settings) -> None:
    keys = keys_for(settings)
    token = keys.report_token("rebalancing-2026.html")
    assert keys.read_report(token, max_age=60) == "rebalancing-2026.html"
    assert keys.read_report(token, max_age=-1) is None


def test_the_inbox_lists_the_latest_reports_with_links_that_open(
    client: httpx.Client, engine: Engine, settings: Settings
) -> None:
    write(settings, "partner-health-2026-11.html", "<h1>Partner health 2026-11</h1>")
    invite(engine)
    inbox = sign_in(client, engine, DIRECTOR)
    assert "partner-health-2026-11.html" in inbox.text
    [link] = [part.split('"', 1)[0] for part in inbox.text.split('href="')[1:] if "/reports/" in part]
    assert "Partner health 2026-11" in client.get(path_of(link)).text


def test_each_report_is_offered_to_the_roles_that_read_it(tmp_path: Path) -> None:
    for name in ("settlement-2026-10.html", "rebalancing-2026.html", "partner-health-2026-11.html"):
        (tmp_path / name).write_text("<h1>report</h1>", encoding="utf-8")
    offered = {
        role: sorted(name for name, _ in latest_reports(tmp_path, frozenset({role})))
        for role in (Role.SUPPLY_CHAIN, Role.FINANCE, Role.CHANNEL_MANAGER)
    }
    assert offered == {
        Role.SUPPLY_CHAIN: [],
        Role.FINANCE: ["settlement-2026-10.html"],
        Role.CHANNEL_MANAGER: ["partner-health-2026-11.html", "rebalancing-2026.html"],
    }
