"""The poster page every layout draws on: A4 at 150 dpi, a type scale, and the text primitives.

A layout that does not fit raises `Overflow`, and the poster is drawn again at a smaller scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from content.models import Section
from content.typesetting import Font, drawable, wrap, wrap_title

# A4 portrait at 150 dpi: prints cleanly, and at phone width the body type is still ~13 px.
WIDTH, HEIGHT = 1240, 1754
MARGIN = 80


class Overflow(Exception):
    """The content does not fit the page at this scale."""


@lru_cache(maxsize=64)
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


@dataclass
class Page:
    """One attempt at drawing a visual at a given type scale."""

    image: Image.Image
    draw: ImageDraw.ImageDraw
    scale: float

    def font(self, size: int) -> Font:
        """The bundled font at `size` on this scale (never below 12 px)."""
        return _font(max(12, round(size * self.scale)))

    def gap(self, pixels: int) -> int:
        """A distance on this scale."""
        return round(pixels * self.scale)

    def wrap(self, text: str, size: int, width: int) -> list[str]:
        """Text wrapped to `width` at `size`."""
        return wrap(self.font(size), drawable(text), width)

    def title_lines(self, text: str, size: int, width: int) -> list[str]:
        """A title wrapped to `width` at `size`, with no lone last word."""
        return wrap_title(self.font(size), drawable(text), width)

    def line_height(self, size: int) -> int:
        """The line spacing of type at `size`."""
        return round(size * self.scale * 1.28)

    def text_block(
        self, x: int, y: int, text: str, size: int, width: int, fill: tuple[int, int, int]
    ) -> int:
        """Draw wrapped text from (x, y); return the y below it."""
        font = self.font(size)
        for line in self.wrap(text, size, width):
            self.draw.text((x, y), line, font=font, fill=fill)
            y += self.line_height(size)
        return y

    def text_height(self, text: str, size: int, width: int) -> int:
        """How tall `text_block` draws this text."""
        return len(self.wrap(text, size, width)) * self.line_height(size)

    def centred(
        self, cx: float, cy: float, text: str, size: int, fill: tuple[int, int, int]
    ) -> None:
        """One line centred on (cx, cy)."""
        self.draw.text((cx, cy), drawable(text), font=self.font(size), fill=fill, anchor="mm")


def caption_lines(section: Section) -> list[tuple[str, str]]:
    """The caption as (label, text) pairs; a line without a short "Label:" has an empty label."""
    assert section.visual is not None
    pairs = []
    for raw in section.visual.caption.splitlines():
        line = raw.strip()
        if not line:
            continue
        label, sep, rest = line.partition(": ")
        if sep and len(label) <= 40:
            pairs.append((label.strip(), rest.strip()))
        else:
            pairs.append(("", line))
    return pairs
