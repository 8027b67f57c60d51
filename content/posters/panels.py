"""The panels poster: one card per caption line, "Label: text" with the label in colour.

The card itself is shared: the compass and the cycle describe their parts with it too.
"""

from __future__ import annotations

from content.palette import ACCENTS, INK, WHITE
from content.posters.page import MARGIN, WIDTH, Overflow, Page


def card_height(page: Page, label: str, text: str) -> int:
    """How tall `card` draws this label and text."""
    pad = page.gap(28)
    width = WIDTH - 2 * MARGIN - page.gap(14) - 2 * pad
    height = 2 * pad + page.text_height(text, 40, width)
    if label:
        height += page.text_height(label, 48, width) + page.gap(6)
    return height


def card(page: Page, y: int, label: str, text: str, colour: tuple[int, int, int]) -> int:
    """A card with a coloured bar, a coloured label and wrapped text; return the y below it."""
    pad = page.gap(28)
    inner_x = MARGIN + page.gap(14) + pad
    width = WIDTH - MARGIN - pad - inner_x
    height = card_height(page, label, text)
    page.draw.rounded_rectangle(
        (MARGIN, y, WIDTH - MARGIN, y + height),
        radius=page.gap(18),
        fill=WHITE,
        outline=(226, 221, 210),
    )
    bar = (MARGIN, y + page.gap(10), MARGIN + page.gap(14), y + height - page.gap(10))
    page.draw.rectangle(bar, fill=colour)
    inner_y = y + pad
    if label:
        inner_y = page.text_block(inner_x, inner_y, label, 48, width, colour) + page.gap(6)
        text = text[:1].upper() + text[1:]
    page.text_block(inner_x, inner_y, text, 40, width, INK)
    return y + height


def draw(page: Page, pairs: list[tuple[str, str]], top: int, bottom: int) -> int:
    """The cards spread down the page between `top` and `bottom`; return the y below them."""
    heights = [card_height(page, label, text) for label, text in pairs]
    spare = bottom - top - sum(heights)
    if spare < page.gap(30) * (len(pairs) - 1):
        raise Overflow
    # Spread the cards over the page rather than leaving the bottom empty.
    gap = min(spare // max(len(pairs), 1), page.gap(72))
    y = top + (spare - gap * (len(pairs) - 1)) // 3
    for index, (label, text) in enumerate(pairs):
        y = card(page, y, label, text, ACCENTS[index % len(ACCENTS)]) + gap
    return y
