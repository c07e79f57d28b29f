"""The payment batch as files: a SEPA credit transfer (pain.001.001.03, built and validated by
``sepaxml``) for the bank, and a CSV of the same transfers for finance's own books."""

from __future__ import annotations

import io
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from defusedcsv import csv  # cells starting with = + - @ are neutralised (OWASP CSV injection)
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaTransfer
from stdnum import bic as bic_number
from stdnum import iban as iban_number
from text_unidecode import unidecode


@dataclass(frozen=True)
class Payer:
    """The vendor's account the commissions are paid from."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transfer:
    partner_id: int | None  # None: a customer's referral reward
    partner_name: str
    iban: str
    bic: str | None
    amount: Decimal
    currency: str
    reference: str  # end-to-end id, also on the partner's statement
    description: str
    kind: str = "commission"  # commission, referral-transfer, referral-voucher (CSV only, no transfer)

    @property
    def by_bank(self) -> bool:
        return self.kind != "referral-voucher"


EPC_CHARACTERS = frozenset(string.ascii_letters + string.digits + "/-?:().,'+ ")
"""The SEPA basic Latin set (EPC guidelines): what every bank accepts in names and remittance."""
FRENCH_OVERSEAS_BIC_COUNTRIES = frozenset({"GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"})
"""French territories in the SEPA scheme: their banks' BICs carry their own country code, their
IBANs start with FR."""
OUTSIDE_SEPA_FRENCH_BIC_COUNTRIES = frozenset({"NC", "PF", "WF"})
"""New Caledonia, French Polynesia, Wallis and Futuna: FR IBANs, CFP francs, outside SEPA."""


def epc_text(text: str, limit: int) -> str:
    """``text`` transliterated to the EPC set (é -> e, & -> +, anything else -> a space), on one
    line, at most ``limit`` characters."""
    latin = unidecode(text.replace("&", "+"))
    kept = "".join(char if char in EPC_CHARACTERS else " " for char in latin)
    return " ".join(kept.split())[:limit]


def iban_problem(iban: str | None, bic: str | None = None) -> str | None:
    """Why an account cannot be paid by SEPA credit transfer, or None: a partner (or a referral
    reward) with a problem is held back with it. Measured before (#27): IBANs of countries outside
    SEPA, and of French territories outside it, went into the pain.001 as payable."""
    if not iban:
        return "no IBAN on file"
    if not iban_number.is_valid(iban):
        return f"IBAN {iban_number.compact(iban)} fails its check digits or format"
    account = IBAN(iban_number.compact(iban))
    country = account.country_code
    if not account.in_sepa_zone:
        return f"IBAN of a {country} account: outside the SEPA scheme, a SEPA transfer cannot pay it"
    if bic and not bic_number.is_valid(bic):
        return f"BIC {bic} is not a valid BIC"
    given = bic_number.compact(bic) if bic else None
    bank = given or _registered_bic(account)  # a French IBAN says nothing of its territory; its bank does
    if country == "FR" and bank is not None and bank[4:6] in OUTSIDE_SEPA_FRENCH_BIC_COUNTRIES:
        return f"BIC {bank} is a bank of {bank[4:6]}, a French territory outside the SEPA scheme"
    if given is not None:
        bic_country = given[4:6]
        overseas = country == "FR" and bic_country in FRENCH_OVERSEAS_BIC_COUNTRIES
        if bic_country != country and not overseas:
            return f"BIC {given} is a {bic_country} bank's, the IBAN a {country} account"
    return None


def _registered_bic(account: IBAN) -> str | None:
    """The BIC of the IBAN's bank in schwifty's registries, when it has the bank."""
    try:
        found = account.bic
    except SchwiftyException:
        return None
    return None if found is None else str(found.compact)


def sepa_credit_transfer(
    payer: Payer, transfers: Sequence[Transfer], execution_date: date
) -> tuple[str, str]:
    """The pain.001 document (schema-validated) and its message id. Every transfer's account is
    checked again here (``iban_problem``): the file refuses what the batch should have held."""
    for transfer in transfers:
        problem = iban_problem(transfer.iban, transfer.bic)
        if problem is not None:
            raise ValueError(f"transfer {transfer.reference}: {problem}")
    sepa = SepaTransfer(
        {
            "name": epc_text(payer.name, 70),
            "IBAN": iban_number.compact(payer.iban),
            "BIC": bic_number.compact(payer.bic),
            "batch": True,
            "currency": transfers[0].currency if transfers else "EUR",
        },
        clean=True,
    )
    for transfer in transfers:
        payment = {
            "name": epc_text(transfer.partner_name, 70),
            "IBAN": iban_number.compact(transfer.iban),
            "amount": int(transfer.amount * 100),
            "currency": transfer.currency,
            "execution_date": execution_date,
            "description": epc_text(transfer.description, 140),
            "endtoend_id": transfer.reference,
        }
        if transfer.bic:
            payment["BIC"] = bic_number.compact(transfer.bic)
        sepa.add_payment(payment)
    return sepa.export(validate=True, pretty_print=True).decode("utf-8"), str(sepa.msg_id)


def transfers_csv(transfers: Sequence[Transfer], payment_id: str) -> str:
    """One row per line, amounts with two decimals and a dot, UTF-8; ``kind`` tells a commission
    from a referral reward, and a voucher (a credit note, not in the SEPA file) from a transfer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["payment_id", "reference", "partner_id", "partner_name", "iban", "bic", "amount", "currency", "kind"]
    )
    for transfer in transfers:
        writer.writerow(
            [
                payment_id,
                transfer.reference,
                "" if transfer.partner_id is None else transfer.partner_id,
                transfer.partner_name,
                iban_number.compact(transfer.iban),
                transfer.bic or "",
                f"{transfer.amount:.2f}",
                transfer.currency,
                transfer.kind,
            ]
        )
    return buffer.getvalue()
