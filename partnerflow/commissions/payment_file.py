"""The payment batch as files: a SEPA credit transfer (pain.001.001.03, built and validated by
``sepaxml``) for the bank, and a CSV of the same transfers for finance's own books."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from defusedcsv import csv  # cells starting with = + - @ are neutralised (OWASP CSV injection)
from sepaxml import SepaTransfer
from stdnum import bic as bic_number
from stdnum import iban as iban_number


@dataclass(frozen=True)
class Payer:
    """The vendor's account the commissions are paid from."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transfer:
    partner_id: int
    partner_name: str
    iban: str
    bic: str | None
    amount: Decimal
    currency: str
    reference: str  # end-to-end id, also on the partner's statement
    description: str


def iban_problem(iban: str | None) -> str | None:
    """Why an account cannot be paid, or None: a partner with a problem is held back."""
    if not iban:
        return "no IBAN on file"
    if not iban_number.is_valid(iban):
        return f"IBAN {iban_number.compact(iban)} fails its check digits or format"
    return None


def sepa_credit_transfer(
    payer: Payer, transfers: Sequence[Transfer], execution_date: date
) -> tuple[str, str]:
    """The pain.001 document (schema-validated) and its message id."""
    sepa = SepaTransfer(
        {
            "name": payer.name,
            "IBAN": iban_number.compact(payer.iban),
            "BIC": bic_number.compact(payer.bic),
            "batch": True,
            "currency": transfers[0].currency if transfers else "EUR",
        },
        clean=True,
    )
    for transfer in transfers:
        payment = {
            "name": transfer.partner_name,
            "IBAN": iban_number.compact(transfer.iban),
            "amount": int(transfer.amount * 100),
            "currency": transfer.currency,
            "execution_date": execution_date,
            "description": transfer.description,
            "endtoend_id": transfer.reference,
        }
        if transfer.bic:
            payment["BIC"] = bic_number.compact(transfer.bic)
        sepa.add_payment(payment)
    return sepa.export(validate=True, pretty_print=True).decode("utf-8"), str(sepa.msg_id)


def transfers_csv(transfers: Sequence[Transfer], payment_id: str) -> str:
    """One row per transfer, amounts with two decimals and a dot, UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["payment_id", "reference", "partner_id", "partner_name", "iban", "bic", "amount", "currency"]
    )
    for transfer in transfers:
        writer.writerow(
            [
                payment_id,
                transfer.reference,
                transfer.partner_id,
                transfer.partner_name,
                iban_number.compact(transfer.iban),
                transfer.bic or "",
                f"{transfer.amount:.2f}",
                transfer.currency,
            ]
        )
    return buffer.getvalue()
