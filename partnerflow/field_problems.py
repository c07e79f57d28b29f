"""A pydantic ValidationError in words a partner or an operator can act on: one problem per
field ("amount must be greater than 0"), not pydantic's own messages with their URLs. Every
intake (deals, leads) words its refusals with the same table."""

from __future__ import annotations

from pydantic import ValidationError

MESSAGES = {
    "missing": "{field} is required",
    "string_too_long": "{field} is too long (at most {max_length} characters)",
    "too_long": "{field} has too many entries",
    "string_too_short": "{field} is empty",
    "too_short": "{field} needs at least one entry",
    "greater_than": "{field} must be greater than {gt}",
    "less_than_equal": "{field} must be at most {le}",
    "finite_number": "{field} must be a finite number",
    "decimal_max_digits": "{field} has too many digits (at most {max_digits})",
    "value_error": "{field} {error}",
    "string_unicode": "{field} contains an invalid character",
    "string_pattern_mismatch": "{field} may hold only letters, digits and . _ : / -",
    "decimal_parsing": "{field} must be a number",
    "int_parsing": "{field} must be a whole number",
    "bool_parsing": "{field} must be true or false",
    "bool_type": "{field} must be true or false",
    "date_from_datetime_parsing": "{field} must be a date (YYYY-MM-DD)",
    "date_parsing": "{field} must be a date (YYYY-MM-DD)",
    "datetime_from_date_parsing": "{field} must be a date and time (YYYY-MM-DDTHH:MM, with its offset)",
    "datetime_parsing": "{field} must be a date and time (YYYY-MM-DDTHH:MM, with its offset)",
    "timezone_aware": "{field} needs its offset from UTC (e.g. +01:00)",
    "extra_forbidden": "{field} is not a field of {noun}",
}


def field_problems(error: ValidationError, *, noun: str) -> tuple[str, ...]:
    """One line per problem of ``error``, each naming its field (``noun``: "a registration")."""
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "submission"
        template = MESSAGES.get(item["type"])
        context = item.get("ctx") or {}
        problems.append(
            template.format(field=field, noun=noun, **context) if template else f"{field}: {item['msg']}"
        )
    return tuple(problems)
