"""Charts for the HTML reports: pygal SVG inlined in the page, with no script, so a report opens
offline (from a share or an e-mail attachment) and prints."""

from __future__ import annotations

import re

import pygal
from markupsafe import Markup

_SCRIPTS = re.compile(r"<script\b.*?</script>", re.S)


def chart_options(title: str, **options: object) -> dict[str, object]:
    """The reports' common chart settings (no JavaScript, one width, legend below)."""
    return {"title": title, "js": [], "width": 760, "height": 360, "legend_at_bottom": True, **options}


def inline_svg(chart: pygal.Graph) -> Markup:
    """The chart as SVG markup to place in a page."""
    svg: str = chart.render(is_unicode=True, disable_xml_declaration=True)
    # pygal inlines its tooltip configuration as a script even without its JavaScript: dropped
    return Markup(_SCRIPTS.sub("", svg))  # pygal escapes the labels it is given
