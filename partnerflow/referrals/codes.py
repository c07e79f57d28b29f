"""A referral code quoted by a partner on a deal registration makes a referral, as if the
registered customer had left its details on the sponsor's referral page.

Run before each qualification: the registrations that quote a known code and have no referral
yet from that sponsor for that customer each become one (the referral's unique key: sponsor's
invitation and customer key), dated when the registration was submitted. A code nobody holds
is ignored (``referrals codes`` lists such registrations for the channel team).
"""

from __future__ import annotations

from sqlalchemy import and_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from partnerflow.models import Referral, Registration, SponsorInvitation

NO_CONTACT = ""  # a registration may name the customer by SIREN or domain only


def referrals_from_codes(session: Session, *, customer_key: str | None = None) -> int:
    """Create the referrals that quoted codes call for (of one customer when given); how many."""
    query = (
        select(Registration, SponsorInvitation)
        .join(SponsorInvitation, col(SponsorInvitation.code) == col(Registration.referral_code))
        .outerjoin(
            Referral,
            and_(
                col(Referral.invitation_id) == col(SponsorInvitation.id),
                col(Referral.customer_key) == col(Registration.customer_key),
            ),
        )
        .where(col(Registration.referral_code).is_not(None), col(Referral.id).is_(None))
        .order_by(col(Registration.submitted_at), col(Registration.id))
    )
    if customer_key is not None:
        query = query.where(Registration.customer_key == customer_key)
    created = 0
    for registration, invitation in session.exec(query).all():
        referral = Referral(
            invitation_id=invitation.id or 0,
            company=registration.customer_name,
            siren=registration.customer_siren,
            domain=registration.customer_domain,
            contact_name=registration.customer_name,
            contact_email=registration.customer_email or NO_CONTACT,
            customer_key=registration.customer_key,
            created_at=registration.submitted_at,
        )
        try:
            with session.begin_nested():
                session.add(referral)
        except IntegrityError:  # two registrations of the customer quoted the code: one referral
            continue
        created += 1
    return created


def unknown_codes(session: Session) -> list[tuple[int, str, str]]:
    """Registrations quoting a code no sponsor holds: (registration id, code, customer)."""
    query = (
        select(Registration.id, Registration.referral_code, Registration.customer_name)
        .outerjoin(SponsorInvitation, col(SponsorInvitation.code) == col(Registration.referral_code))
        .where(col(Registration.referral_code).is_not(None), col(SponsorInvitation.id).is_(None))
        .order_by(col(Registration.id))
    )
    return [(found_id or 0, code or "", name) for found_id, code, name in session.exec(query).all()]
