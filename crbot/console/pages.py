"""Rendering the console's pages from their Jinja2 templates, escaped by default."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

STATIC = Path(__file__).resolve().parent / "static"

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
