"""Cross-site POSTs are refused: every form of the web app posts to itself.

Measured before: a page on another site that auto-posted the attacker's own sign-in link signed
the victim's browser in as the attacker (login CSRF, seen in Chromium), and cross-site POSTs to
``/signin`` and ``/signout`` were accepted. A browser says where a POST comes from: modern ones
send ``Sec-Fetch-Site``; all send ``Origin`` on a cross-origin POST. A POST is accepted when it
comes from the app's own origin (or from no page at all: a person typing, a script without a
browser, which carries no victim's cookies); any other is refused with 403 before it is read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request

ACCEPTED_FETCH_SITES = frozenset({"same-origin", "none"})


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_cross_site_post(request: Request, own_origins: frozenset[str]) -> bool:
    """A POST a browser sent from a page of another origin."""
    if request.method != "POST":
        return False
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.lower() not in ACCEPTED_FETCH_SITES
    origin = request.headers.get("origin")
    if origin is None:
        return False
    served_at = origin_of(str(request.base_url))
    return origin.lower() not in own_origins | {served_at}
