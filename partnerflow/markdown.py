"""Markdown shown in the Prefect UI and the approval page (summaries, artifacts) built from
untrusted text: :func:`md_text` neutralises what outsiders typed (a company name from the public
referral page, a campaign's rationale, a removal reason) wherever a summary quotes it, and
:func:`summary_html` is how the approval page shows a summary (raw HTML off)."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_PAGE = MarkdownIt("commonmark", {"html": False}).enable("table")

_SPECIAL = frozenset("\\`*_{}[]()<>#|!~")
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x85\u2028\u2029]+")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def md_text(text: str) -> str:
    """Partner-typed text, neutralised for Markdown: one line (every kind of line break), no
    links, HTML, emphasis or table breaks, and no list or heading marker where it starts."""
    flat = _LINE_BREAKS.sub(" ", text)
    escaped = "".join("\\" + char if char in _SPECIAL else char for char in flat)
    return _LINE_START.sub(lambda found: found.group(1) + _escape_marker(found.group(2)), escaped)


def _escape_marker(marker: str) -> str:
    """``-`` -> ``\\-``; ``12.`` -> ``12\\.`` (a digit run followed by . or ) opens a list)."""
    return "\\" + marker if len(marker) == 1 else marker[:-1] + "\\" + marker[-1]


def summary_html(summary: str) -> str:
    """A request's Markdown summary as the approval page shows it."""
    return str(_PAGE.render(summary))
