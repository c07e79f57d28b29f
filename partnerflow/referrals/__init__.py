"""The customer referral programme (issue #16, first part): the vendor's end customers with their
history and satisfaction, and who may sponsor others by the ``referral_programme`` policy.
Invitations, the referral page, qualification, fraud checks, rewards, the pilot and the report
come next."""

from partnerflow.referrals import decisions as decisions  # declares the programme's decisions to approvals
from partnerflow.referrals.customers import CustomerImport, count_won_deals, import_customers
from partnerflow.referrals.sponsors import SponsorDecision, judge_sponsors, sponsor_facts

__all__ = [
    "CustomerImport",
    "SponsorDecision",
    "count_won_deals",
    "import_customers",
    "judge_sponsors",
    "sponsor_facts",
]
