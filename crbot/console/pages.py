"""Rendering the console's pages from their Jinja2 templates, escaped by default, with the
headers every page carries."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined

STATIC = Path(__file__).resolve().parent / "static"
SETTINGS_PATH = "/console/settings"
HEADERS = {
    # Pages load only what this server serves, and no other site may frame them.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # The sign-in page's address holds a token: no page tells another site where it came from.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# Autoescaping everywhere: pages show words people typed (a team's channel, a pack's titles).
# StrictUndefined turns a misspelt name into an error in the tests, not a blank on the page.
_templates = Environment(
    loader=PackageLoader("crbot.console", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **values: object) -> str:
    """One page as HTML."""
    return _templates.get_template(template).render(**values)


def page(template: str, *, status: int = 200, **values: object) -> web.Response:
    """A rendered page with the console's headers."""
    return web.Response(
        text=render(template, **values),
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers=HEADERS,
    )


def message(title: str, words: str, *, status: int, problems: tuple[str, ...] = ()) -> web.Response:
    """A page that only says something: a used link, a change that could not be made."""
    return page("message.html", status=status, title=title, words=words, problems=problems)
