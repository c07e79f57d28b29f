"""The monthly feedback: each reseller's month and year so far, against the objectives and its
département's median, once per contact and month, in the contact's language."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.models import Notification, Partner
from tasks.leads import queue_lead_feedback
from tests.rebalancing.leadbook import add_reseller, give_leads


def test_each_reseller_hears_its_month_against_the_objectives_and_its_departement(engine: Engine) -> None:
    busy, starved, idle = add_reseller(engine), add_reseller(engine), add_reseller(engine)
    give_leads(engine, busy, leads=20, opened=20, processed=18, closed=12, sold=6)  # 1 Feb to 20 Feb
    give_leads(engine, starved, leads=2, opened=2, processed=1)
    first = queue_lead_feedback.fn(date(2026, 2, 1))
    again = queue_lead_feedback.fn(date(2026, 2, 1))
    with Session(engine) as session:
        mails = {
            m.recipient: m
            for m in session.exec(select(Notification).where(Notification.template == "lead_feedback"))
        }
        address = {pid: session.get_one(Partner, pid).primary_email for pid in (busy, starved, idle)}
    assert (first, again) == (2, 0)  # one contact each; the reseller without leads hears nothing
    assert address[idle] not in mails
    busy_mail, starved_mail = mails[address[busy]].text_body, mails[address[starved]].text_body
    assert busy_mail.startswith("Bonjour") and "Leads reçus               20   20   11" in busy_mail
    assert "moins de leads que les 2 prévus" not in busy_mail
    assert "Leads reçus               2   2   11" in starved_mail
    assert "/portal/leads" in starved_mail and "Déclarer où en est chaque lead" in starved_mail
