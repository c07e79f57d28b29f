"""Every template renders in both locales; partner text is escaped; amounts and dates are local."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from jinja2 import UndefinedError

from partnerflow.notify import LOCALES, TemplateRenderer
from partnerflow.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "email_templates"
SAMPLES: dict[str, dict[str, object]] = yaml.safe_load((TEMPLATES / "samples.yaml").read_text("utf-8"))
RENDERER = TemplateRenderer(TEMPLATES)


def test_every_template_has_a_sample_context() -> None:
    assert set(RENDERER.template_names()) == set(SAMPLES)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", RENDERER.template_names())
def test_template_has_all_three_parts_in_every_locale(name: str, locale: str) -> None:
    for part in ("subject", "txt", "html"):
        assert (TEMPLATES / locale / f"{name}.{part}.j2").is_file()


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", RENDERER.template_names())
def test_template_renders_with_its_sample(name: str, locale: str) -> None:
    message = RENDERER.render(name, locale, SAMPLES[name])
    assert message.subject and "\n" not in message.subject
    assert message.text.strip() and "<html" not in message.text
    assert message.html.startswith("<!DOCTYPE html>") and f'lang="{locale}"' in message.html


@pytest.mark.parametrize("name", RENDERER.template_names())
def test_hostile_partner_text_is_escaped_in_html(name: str) -> None:
    context = {
        key: "<script>alert(1)</script>" if isinstance(value, str) else value
        for key, value in SAMPLES[name].items()
    }
    html = RENDERER.render(name, "fr", context).html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_missing_variable_is_an_error_not_a_blank() -> None:
    context = dict(SAMPLES["partner_welcome"])
    del context["partner_name"]
    with pytest.raises(UndefinedError, match="partner_name"):
        RENDERER.render("partner_welcome", "fr", context)


def test_dates_are_written_per_locale() -> None:
    context = {**SAMPLES["partner_welcome"], "joined_on": date(2026, 3, 2)}
    assert "2 mars 2026" in RENDERER.render("partner_welcome", "fr", context).text
    assert "March 2, 2026" in RENDERER.render("partner_welcome", "en", context).text


def test_money_is_written_per_locale(tmp_path: Path) -> None:
    (tmp_path / "layout").mkdir()
    for locale in LOCALES:
        (tmp_path / locale).mkdir()
        for part in ("subject", "txt", "html"):
            (tmp_path / locale / f"amount.{part}.j2").write_text("{{ amount | money('EUR') }}")
    renderer = TemplateRenderer(tmp_path)
    assert renderer.render("amount", "fr", {"amount": Decimal("12345.5")}).text == "12\u202f345,50\xa0€"
    assert renderer.render("amount", "en", {"amount": Decimal("12345.5")}).text == "€12,345.50"


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="locale 'de'"):
        RENDERER.render("partner_welcome", "de", SAMPLES["partner_welcome"])


@pytest.mark.parametrize("locale", LOCALES)
def test_campaign_facts_each_stand_on_their_own_line(locale: str) -> None:
    text = RENDERER.render("campaign_offer", locale, SAMPLES["campaign_offer"]).text
    lines = [line for line in text.splitlines() if line.strip()]
    assert any(line.endswith(": 400") for line in lines), "the quantity line must not run into the next"
    assert any(line.endswith("PL-2026-12-CLEAR") for line in lines)
    assert re.search(r"35\W?%", text), "a localised percent (French puts a narrow space before %)"


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("name", RENDERER.template_names())
def test_every_message_names_whom_to_write_to(name: str, locale: str) -> None:
    with_contact = TemplateRenderer(TEMPLATES, contact="partenaires@vendor.example")
    message = with_contact.render(name, locale, dict(SAMPLES[name]))
    assert (
        "partenaires@vendor.example" in message.text
        and 'href="mailto:partenaires@vendor.example"' in message.html
    )


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("name", RENDERER.template_names())
def test_a_partner_message_names_its_channel_manager(name: str, locale: str) -> None:
    context = {
        **SAMPLES[name],
        "contact": {"name": "Camille Durand", "email": "camille.durand@vendor.example"},
    }
    message = TemplateRenderer(TEMPLATES, contact="partenaires@vendor.example").render(name, locale, context)
    role = "votre responsable de canal" if locale == "fr" else "your channel manager"
    assert f"Camille Durand, {role}" in message.text and "partenaires@vendor.example" not in message.text
    assert 'href="mailto:camille.durand@vendor.example"' in message.html


def test_a_statement_line_gives_its_close_date_in_the_partners_words() -> None:
    context = dict(SAMPLES["commission_statement"])
    context["lines"] = [{**context["lines"][0], "closed_on": "2026-08-22"}]  # as the JSON view has it
    assert "close le 22 août 2026" in RENDERER.render("commission_statement", "fr", context).text
    assert "closed August 22, 2026" in RENDERER.render("commission_statement", "en", context).text


QUOTES_RAW_TEXT = {
    "answer_refused": "quotes the refusal's reason as the audit recorded it (for the channel team)",
    "deal_refused": "lists the validation problems as the code words them (English; a known gap)",
}
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
RAW_AMOUNT = re.compile(r"(?<![\d,.])\d{4,}\.\d\d\b")


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("name", sorted(set(RENDERER.template_names()) - set(QUOTES_RAW_TEXT)))
def test_dates_and_money_are_written_for_the_reader(name: str, locale: str) -> None:
    """No ISO date and no raw decimal amount in any message: every date and amount goes through
    the locale's filters ("14 août 2026", "40 000,00 €")."""
    message = RENDERER.render(name, locale, dict(SAMPLES[name]))
    for part in (message.subject, message.text):
        assert not ISO_DATE.search(part), ISO_DATE.search(part)
        assert not RAW_AMOUNT.search(part), RAW_AMOUNT.search(part)
