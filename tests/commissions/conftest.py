"""Fixtures for commission tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.commissions.ledger import add_finance, give_iban


@pytest.fixture
def payees(engine: Engine, network: dict[str, int]) -> dict[str, int]:
    """The two gold partners with valid IBANs, and two finance approvers."""
    give_iban(engine, network["first"])
    give_iban(engine, network["second"])
    add_finance(engine, "finance1@vendor.example", "finance2@vendor.example")
    return network
