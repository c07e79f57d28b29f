"""The ``partnerflow`` command line (Typer): setup, policies, mail, deals and the other processes."""

from __future__ import annotations

import typer

from partnerflow.cli import (
    approval_commands,
    audit_commands,
    automation_commands,
    campaign_commands,
    candidate_commands,
    commission_commands,
    deal_commands,
    health_commands,
    lead_commands,
    mail_commands,
    partner_commands,
    people_commands,
    policy_commands,
    referral_commands,
    review_commands,
    setup_commands,
    survey_commands,
    training_commands,
    vendor_key_commands,
)

app = typer.Typer(
    name="partnerflow",
    help="Workflow and approval automation for the channel-partner programme.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command()(setup_commands.init)
app.command()(setup_commands.seed)
app.command()(setup_commands.up)
app.command()(setup_commands.serve)
app.command()(setup_commands.web)
app.add_typer(policy_commands.app, name="policy")
app.add_typer(mail_commands.app, name="mail")
app.add_typer(deal_commands.app, name="deals")
app.add_typer(review_commands.app, name="review")
app.add_typer(approval_commands.app, name="approvals")
app.add_typer(campaign_commands.app, name="campaigns")
app.add_typer(commission_commands.app, name="commissions")
app.add_typer(lead_commands.app, name="leads")
app.add_typer(health_commands.app, name="health")
app.add_typer(training_commands.app, name="training")
app.add_typer(survey_commands.app, name="survey")
app.add_typer(candidate_commands.app, name="candidates")
app.add_typer(partner_commands.app, name="partners")
app.add_typer(people_commands.app, name="people")
app.add_typer(vendor_key_commands.app, name="vendor-keys")
app.add_typer(referral_commands.customers_app, name="customers")
app.add_typer(referral_commands.referrals_app, name="referrals")
app.add_typer(automation_commands.app, name="automations")
app.add_typer(audit_commands.app, name="audit")
app.command()(lead_commands.rebalance)

__all__ = ["app"]
