"""What every use case needs, built once per process and passed in.

A task, a command or the web app used to build its own renderer, load its own policy and read
the clock its own way (22 renderers, 13 policy loads, three clocks). They now ask
:func:`context` for one :class:`Context`: the settings, the e-mail renderer, the personal-link
maker, the policy library and the programme clock. Tests call :func:`forget_context` after
changing settings, with a :class:`~partnerflow.clock.FixedClock`: no test depends on the day it runs
(a CLI test once failed when a policy version came into force on the calendar).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal, overload

from sqlmodel import Session

from partnerflow.approvals import Applying, Asking, Links, links_for
from partnerflow.clock import SYSTEM_CLOCK, Clock, FixedClock
from partnerflow.notify import TemplateRenderer
from partnerflow.policy import (
    CommissionPlanPolicy,
    DealRegistrationPolicy,
    DiscountCampaignPolicy,
    LeadRoutingPolicy,
    PartnerAdmissionPolicy,
    PartnerHealthPolicy,
    Policy,
    RebalancingPolicy,
    ReferralProgrammePolicy,
    load_policy,
)
from partnerflow.processes import load_processes
from partnerflow.settings import Settings, get_settings


@dataclass(frozen=True)
class Context:
    """The process's settings, renderer, links, policies and clock."""

    settings: Settings
    renderer: TemplateRenderer
    links: Links
    clock: Clock = field(default=SYSTEM_CLOCK)

    @overload
    def policy(self, kind: Literal["deal_registration"], as_of: date) -> Policy[DealRegistrationPolicy]: ...
    @overload
    def policy(self, kind: Literal["discount_campaign"], as_of: date) -> Policy[DiscountCampaignPolicy]: ...
    @overload
    def policy(self, kind: Literal["commission_plan"], as_of: date) -> Policy[CommissionPlanPolicy]: ...
    @overload
    def policy(self, kind: Literal["rebalancing"], as_of: date) -> Policy[RebalancingPolicy]: ...
    @overload
    def policy(self, kind: Literal["partner_health"], as_of: date) -> Policy[PartnerHealthPolicy]: ...
    @overload
    def policy(self, kind: Literal["partner_admission"], as_of: date) -> Policy[PartnerAdmissionPolicy]: ...
    @overload
    def policy(self, kind: Literal["referral_programme"], as_of: date) -> Policy[ReferralProgrammePolicy]: ...
    @overload
    def policy(self, kind: Literal["lead_routing"], as_of: date) -> Policy[LeadRoutingPolicy]: ...
    @overload
    def policy(self, kind: str, as_of: date) -> Policy[Any]: ...  # a kind named at run time

    def policy(self, kind: str, as_of: date) -> Policy[Any]:
        """The version of ``kind`` in force on ``as_of`` (a programme date): the one way the
        product loads a policy."""
        return load_policy(kind, as_of, self.settings.policies_dir)

    def applying(self, session: Session, flow_run_id: str = "") -> Applying:
        """What a decision's ``apply`` uses, now, in ``session``, for the run that asked."""
        return Applying(session, self.links.keys, self.renderer, self.policy, self.clock.now(), flow_run_id)

    def asking(self, session: Session, flow_run_id: str = "") -> Asking:
        """What a use case that puts a decision to people uses, now, in ``session``."""
        return Asking(
            session,
            self.links,
            self.renderer,
            self.policy,
            self.settings.reports_dir,
            self.clock.now(),
            flow_run_id,
        )

    def plan_for(self, day: date) -> Policy[CommissionPlanPolicy]:
        """The commission plan in force on ``day``: deals are paid under the plan of their close
        date and settlements under the plan of the period's end, so accrual takes this as a
        function of the day."""
        return self.policy("commission_plan", day)


def build_context(settings: Settings, clock: Clock = SYSTEM_CLOCK) -> Context:
    load_processes()  # every decision kind declared before anyone answers one
    renderer = TemplateRenderer(settings.templates_dir, contact=settings.programme_contact)
    return Context(settings, renderer, links_for(settings), clock)


_clock: Clock = SYSTEM_CLOCK  # the system clock except where a test pinned the programme's day


@lru_cache(maxsize=1)
def context() -> Context:
    """The process's context, from the environment's settings on first use. Its clock: the one
    a test pinned in this process, else ``PARTNERFLOW_CLOCK_AT`` (what a test gives the flow runs
    it starts in other processes), else the system's."""
    settings = get_settings()
    clock = _clock
    if clock is SYSTEM_CLOCK and settings.clock_at is not None:
        clock = FixedClock(settings.clock_at)
    return build_context(settings, clock)


def forget_context(clock: Clock = SYSTEM_CLOCK) -> None:
    """Build the context again on next use (after the settings changed: tests), on ``clock``."""
    global _clock
    _clock = clock
    context.cache_clear()
