"""Rendering partner and reviewer e-mails from Jinja2 templates, per locale.

Templates live at ``<templates_dir>/<locale>/<name>.{subject,txt,html}.j2`` and extend the shared
layouts in ``<templates_dir>/layout/``. HTML is autoescaped (partner-supplied text such as a
customer name is never trusted); every template uses StrictUndefined, so a missing variable is an
error in the test suite instead of a blank in a partner's inbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from partnerflow.locales import LOCALES


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@pass_context
def _money(context: Context, amount: Decimal | float | int, currency: str = "EUR") -> str:
    return str(format_currency(amount, currency, locale=context["locale"]))


@pass_context
def _date(context: Context, value: date | datetime | str, style: str = "long") -> str:
    if isinstance(value, str):  # an ISO date from a view that is also printed as JSON
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return str(format_datetime(value, style, locale=context["locale"]))
    return str(format_date(value, style, locale=context["locale"]))


@pass_context
def _percent(context: Context, ratio: float) -> str:
    return str(format_percent(ratio, locale=context["locale"]))


@pass_context
def _rate(context: Context, ratio: Decimal | float | str) -> str:
    """An exact rate (8.75 %, not 9 %): commission rates are shown as the plan states them."""
    return str(format_percent(ratio, locale=context["locale"], decimal_quantization=False))


@pass_context
def _month(context: Context, value: date | str) -> str:
    """A month as people say it ("octobre 2026"), from a date or a period's "YYYY-MM" (any other
    text is shown as it is)."""
    try:
        day = date.fromisoformat(f"{value}-01") if isinstance(value, str) else value
    except ValueError:
        return str(value)
    return str(format_date(day, "LLLL y", locale=context["locale"]))


LOCALE_FILTERS = {"money": _money, "date": _date, "month": _month, "percent": _percent, "rate": _rate}
"""Money, dates and ratios written for the reader's locale (the template's ``locale`` variable)."""


def _environment(directory: Path, *, html: bool) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(directory),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    environment.filters.update(LOCALE_FILTERS)
    return environment


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")


def one_line_subject(subject: str) -> str:
    """A subject on one line: control characters and line breaks (from partner-typed names) become
    spaces; French no-break spaces (« : », « n° ») stay, since they are not control characters."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", subject)).strip()


class TemplateRenderer:
    """Renders a named message in a locale; compiled templates are cached for the process."""

    def __init__(self, directory: Path, *, contact: str | None = None) -> None:
        """``contact``: the address every footer gives for questions (the messages themselves
        come from a no-reply sender)."""
        self.directory = directory
        self._plain = _environment(directory, html=False)
        self._html = _environment(directory, html=True)
        for environment in (self._plain, self._html):
            environment.globals["programme_contact"] = contact

    def render(self, name: str, locale: str, context: dict[str, Any]) -> RenderedMessage:
        """Render the subject, text and HTML parts of ``name`` in ``locale``.

        Raises:
            jinja2.TemplateNotFound: no such template in that locale.
            jinja2.UndefinedError: the context lacks a variable the template uses.
        """
        if locale not in LOCALES:
            raise ValueError(f"locale {locale!r} is not one of {', '.join(LOCALES)}")
        values = {**context, "locale": locale}
        subject = self._plain.get_template(f"{locale}/{name}.subject.j2").render(values)
        text = self._plain.get_template(f"{locale}/{name}.txt.j2").render(values)
        html = self._html.get_template(f"{locale}/{name}.html.j2").render(values)
        return RenderedMessage(one_line_subject(subject), text, html)

    def template_names(self) -> list[str]:
        """Every template name found in any locale."""
        names = {
            path.name.split(".", 1)[0]
            for locale in LOCALES
            for path in (self.directory / locale).glob("*.subject.j2")
        }
        return sorted(names)
