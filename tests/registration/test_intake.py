"""Submissions are refused with reasons, or decided by the policy with the decision stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from partnerflow.models import AuditEvent, Notification, ProtectionClaim, Registration, RegistrationStatus
from partnerflow.registration.intake import IntakeResult
from tests.factories import POLICY, submission

Submit = Callable[..., IntakeResult]


def registration(engine: Engine, registration_id: int) -> Registration:
    with Session(engine) as session:
        found = session.get(Registration, registration_id)
        assert found is not None
        return found


def mails(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {n.dedupe_key.split(":")[0]: n.recipient for n in session.exec(select(Notification))}


def test_small_deal_of_a_trusted_partner_is_approved_and_protected(
    engine: Engine, network, submit: Submit
) -> None:
    result = submit(submission(network["first"]))
    stored = registration(engine, result.registration_id)
    assert (result.outcome, result.rule_id, result.policy_version) == (
        "approve",
        "small-trusted",
        "2026-01-01",
    )
    assert stored.status == RegistrationStatus.APPROVED
    assert stored.protection_ends_on == date(2027, 2, 21)  # 90 days from 2026-11-23
    assert stored.policy_sha256 == POLICY.stamp.sha256 and stored.facts["deal"]["amount"] == 12000.0
    assert mails(engine) == {"deal-approved": "contact@azur.example"}


def test_the_decision_is_audited_with_rule_and_policy(engine: Engine, network, submit: Submit) -> None:
    result = submit(submission(network["first"]))
    with Session(engine) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.subject_id == str(result.registration_id))
        ).one()
    assert (event.action, event.rule_id, event.policy_version) == (
        "registration.approve",
        "small-trusted",
        "2026-01-01",
    )


def test_a_second_partner_on_a_protected_customer_is_rejected_with_the_reason(
    engine: Engine, network, submit: Submit
) -> None:
    submit(submission(network["first"]))
    result = submit(
        submission(network["second"], customer_name="ACME industrie", customer_email="cfo@acme.fr")
    )
    assert (result.outcome, result.rule_id) == ("reject", "conflict-protected")
    assert result.reason is not None and "network" in result.reason


def test_a_different_product_line_is_no_conflict(engine: Engine, network, submit: Submit) -> None:
    submit(submission(network["first"]))
    assert submit(submission(network["second"], product_lines=["security"])).outcome == "approve"


def test_a_large_deal_goes_to_director_review_with_four_eyes(engine: Engine, network, submit: Submit) -> None:
    result = submit(submission(network["first"], amount="400000"))
    stored = registration(engine, result.registration_id)
    assert (result.outcome, result.rule_id) == ("review", "large-deal")
    assert (stored.status, stored.review_level, stored.approvers_required) == (
        RegistrationStatus.PENDING_REVIEW,
        "channel-director",
        2,
    )
    assert "deal-received" in mails(engine)


def test_a_pending_earlier_registration_sends_the_later_one_to_review(
    engine: Engine, network, submit: Submit
) -> None:
    submit(submission(network["newcomer"]))  # a newcomer's deal waits for review
    result = submit(submission(network["first"]))
    assert (result.outcome, result.rule_id) == ("review", "conflict-pending")


def test_an_invalid_submission_is_refused_recorded_and_the_partner_told(
    engine: Engine, network, submit: Submit
) -> None:
    result = submit(submission(network["first"], amount="-5", expected_close_on="2020-01-01"))
    stored = registration(engine, result.registration_id)
    assert result.outcome == "refused" and result.problems == ("amount must be greater than 0",)
    assert stored.status == RegistrationStatus.REFUSED and stored.problems == [
        "amount must be greater than 0"
    ]
    assert mails(engine) == {"deal-refused": "contact@azur.example"}


def test_an_unknown_partner_is_refused_and_nobody_is_mailed(engine: Engine, network, submit: Submit) -> None:
    result = submit(submission(9999))
    assert result.problems == ("partner_id 9999 is not a partner of the programme",)
    assert mails(engine) == {}


def test_hostile_customer_names_are_escaped_in_the_html_mail(engine: Engine, network, submit: Submit) -> None:
    submit(submission(network["first"], customer_name="<script>alert('x')</script> SA"))
    with Session(engine) as session:
        mail = session.exec(select(Notification)).one()
    assert "<script>" not in mail.html_body and "&lt;script&gt;" in mail.html_body


def test_only_one_protection_per_customer_and_product_line(engine: Engine, network, submit: Submit) -> None:
    submit(submission(network["first"]))
    submit(submission(network["second"], product_lines=["network", "security"]))
    with Session(engine) as session:
        claims = {(c.product_line, c.registration_id) for c in session.exec(select(ProtectionClaim))}
    assert [line for line, _ in claims].count("network") == 1


def test_a_partner_submitting_its_own_protected_deal_again_is_told_so(
    engine: Engine, network, submit: Submit
) -> None:
    first = submit(submission(network["first"]))
    again = submit(submission(network["first"]))
    assert (first.outcome, again.outcome, again.rule_id) == ("approve", "reject", "duplicate-of-own")
    assert f"You already hold this customer's protection (registration #{first.registration_id}" in (
        again.reason or ""
    )
