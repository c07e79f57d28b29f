"""Markdown shown in the Prefect UI (form summaries, artifacts) built from untrusted text."""

from __future__ import annotations


def md_text(text: str) -> str:
    """Partner-typed text, neutralised for Markdown (no links, HTML or table breaks)."""
    return "".join("\\" + char if char in "\\`*_{}[]()<>#|!" else char for char in text.replace("\n", " "))
