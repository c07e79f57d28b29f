"""The customer key makes two partners' spellings of one company collide."""

from __future__ import annotations

import pytest

from partnerflow.customers import customer_key, fold_company_name, names_a_company


def test_siren_wins_over_domain_and_name() -> None:
    assert customer_key(name="Acme", siren="552 100 554", email="a@acme.fr") == "siren:552100554"


def test_company_email_domain_identifies_the_customer() -> None:
    assert customer_key(name="Acme", email="Jane.Doe@ACME.fr") == "domain:acme.fr"


def test_web_address_is_reduced_to_its_domain() -> None:
    assert customer_key(name="Acme", domain="https://www.acme.fr/contact?x=1") == "domain:acme.fr"


def test_free_mail_does_not_identify_a_company() -> None:
    assert customer_key(name="Acme Industrie", email="acme.boss@gmail.com") == "name:acme industrie"


@pytest.mark.parametrize(
    ("spelling", "folded"),
    [
        ("ACME Industrie S.A.S.", "acme industrie"),
        ("Acme-Industrie SARL", "acme industrie"),
        ("SAS Acme Industrie", "acme industrie"),
        ("Électricité Générale d'Île-de-France", "electricite generale d ile de france"),
        ("Globex GmbH", "globex"),
        ("Initech, Inc.", "initech"),
    ],
)
def test_company_names_fold_case_accents_punctuation_and_legal_forms(spelling: str, folded: str) -> None:
    assert fold_company_name(spelling) == folded


def test_a_name_made_only_of_a_legal_form_is_kept() -> None:
    assert fold_company_name("SAS") == "sas"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("АСМЕ Industrie", "ACME Industrie"),  # Cyrillic capitals
        ("раураl", "paypal"),  # Cyrillic small letters
        ("ΑΒΒ Automation", "ABB Automation"),  # Greek capitals
        ("Œuvre & Fils", "Oeuvre & Fils"),
        ("Straße Bau GmbH", "Strasse Bau"),
        ("Ａｃｍｅ", "Acme"),  # full width
        ("Ac\u200bme", "Acme"),  # zero-width space
        ("\u202eAcme", "Acme"),  # right-to-left override
        ("ГАЗПРОМ", "Газпром"),  # case, in Cyrillic
        ("Łódź Logistics", "Lodz Logistics"),
    ],
)
def test_look_alike_spellings_are_one_customer(one: str, other: str) -> None:
    assert customer_key(name=one) == customer_key(name=other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Газпром", "Лукойл"),
        ("水道株式会社", "電力株式会社"),
        ("شركة النور", "شركة الأمل"),
        ("Αθηνά", "Σπάρτη"),
        ("हिन्दी", "हन्द"),  # vowel signs change the word
    ],
)
def test_names_in_other_scripts_keep_their_letters(one: str, other: str) -> None:
    """Measured before: every such name folded to ``name:``, so the first blocked all others."""
    assert customer_key(name=one) != customer_key(name=other)
    assert customer_key(name=one) != "name:"


@pytest.mark.parametrize("name", ["\u200b\u200d", "\u202e\u202c", "...", "\u0301\u0301"])
def test_a_name_with_nothing_left_names_no_company(name: str) -> None:
    with pytest.raises(ValueError, match="names no company"):
        names_a_company(name)


@pytest.mark.parametrize("address", ["buyer@аcme.fr", "https://www.xn--cme-5cd.fr/", "buyer@ACME.fr"])
def test_a_look_alike_domain_is_the_company_it_imitates(address: str) -> None:
    """A Cyrillic ``а`` in the domain (typed, or as punycode) is another domain on the internet but
    the same customer to a reviewer."""
    assert customer_key(name="Acme", email=address) == "domain:acme.fr"
