"""What a registration or a campaign may name: the product lines of the catalogue in settings
(``PARTNERFLOW_PRODUCT_LINES``), so that a typo ("netwrok") is refused where it is typed
instead of becoming a product line nobody's commission rate or protection claim knows, and the
programme's currency (``PARTNERFLOW_CURRENCY``), the only one its plans price."""

from __future__ import annotations

from collections.abc import Iterable

from partnerflow.settings import get_settings


def product_lines() -> tuple[str, ...]:
    """The catalogue, in the order the forms offer it."""
    return tuple(get_settings().product_lines)


def check_product_lines(lines: Iterable[str]) -> None:
    """Raise ValueError naming the lines the catalogue does not have."""
    catalogue = product_lines()
    unknown = sorted({line for line in lines if line not in catalogue})
    if unknown:
        raise ValueError(
            f"not in the catalogue: {', '.join(unknown[:5])} (product lines: {', '.join(catalogue)})"
        )


def known_lines(lines: list[str]) -> list[str]:
    """``lines`` when the catalogue has them all, each once (a pydantic ``AfterValidator``).
    Measured before: a line listed twice made a new customer's registration look like a clash
    with "another partner's registration"."""
    check_product_lines(lines)
    repeated = sorted({line for line in lines if lines.count(line) > 1})
    if repeated:
        raise ValueError(f"listed more than once: {', '.join(repeated)}")
    return lines


def programme_currency(code: str) -> str:
    """``code`` when it is the programme's currency (a pydantic ``AfterValidator``)."""
    currency = get_settings().currency
    if code != currency:
        raise ValueError(f"the programme is priced in {currency}: {code} is not accepted")
    return code


def known_line(line: str) -> str:
    """``line`` when the catalogue has it (a pydantic ``AfterValidator``)."""
    check_product_lines([line])
    return line
