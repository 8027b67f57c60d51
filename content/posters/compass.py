"""The compass poster: the four Wellness Compass sectors, the one in the title highlighted.

Caption lines labelled with a sector describe it; other lines become a note below.
"""

from __future__ import annotations

import math

from content.models import Section
from content.palette import NAVY, PAPER, SECTOR_COLOURS, SOFT_INK, WHITE, sector_colours
from content.posters.page import MARGIN, WIDTH, Overflow, Page, caption_lines
from content.posters.panels import card
from content.typesetting import drawable

# Compass wedges as (start, end) degrees in Pillow's convention: 0 is three o'clock, clockwise.
SECTOR_WEDGES = {
    "Mind": (225, 315),
    "Spirit": (315, 405),
    "Strength": (45, 135),
    "Heart": (135, 225),
}


def draw(page: Page, section: Section, top: int, bottom: int) -> int:
    """The compass, then its sectors' descriptions and any note; return the y below."""
    assert section.visual is not None
    pairs = caption_lines(section)
    highlight = next((name for name in SECTOR_COLOURS if name in section.visual.title), None)
    # Without a focus sector all four descriptions get full cards, so the compass is smaller.
    radius = page.gap(250 if highlight else 200)
    cx, cy = WIDTH // 2, top + radius
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    for name, (start, end) in SECTOR_WEDGES.items():
        fill, ink = sector_colours(name, highlight)
        page.draw.pieslice(box, start, end, fill=fill, outline=WHITE, width=6)
        middle = math.radians((start + end) / 2)
        lx, ly = cx + 0.62 * radius * math.cos(middle), cy + 0.62 * radius * math.sin(middle)
        page.centred(lx, ly, name, 46 if name == highlight else 40, ink)
    hub = page.gap(46)
    page.draw.ellipse((cx - hub, cy - hub, cx + hub, cy + hub), fill=PAPER, outline=NAVY, width=4)
    page.draw.polygon(
        [(cx, cy - hub + 8), (cx - 14, cy), (cx, cy + hub - 8), (cx + 14, cy)], fill=NAVY
    )
    y = cy + radius + page.gap(44)
    sectors = [(label, text) for label, text in pairs if label in SECTOR_COLOURS]
    others = [(label, text) for label, text in pairs if label not in SECTOR_COLOURS]
    for label, text in sectors:
        if highlight and label != highlight:
            y = _compact(page, y, label, text, SECTOR_COLOURS[label])
        else:
            y = card(page, y, label, text, SECTOR_COLOURS[label]) + page.gap(20)
    for label, text in others:
        y = _note(page, y + page.gap(10), f"{label}: {text}" if label else text)
    if y > bottom:
        raise Overflow
    return y


def _compact(page: Page, y: int, label: str, text: str, colour: tuple[int, int, int]) -> int:
    """A one-line-label row for the sectors that are not the focus."""
    font = page.font(36)
    label_width = round(font.getlength(f"{label}  "))
    page.draw.text((MARGIN + page.gap(14), y), drawable(label), font=font, fill=colour)
    x = MARGIN + page.gap(14) + label_width
    end = page.text_block(x, y, text, 36, WIDTH - MARGIN - x, SOFT_INK)
    return end + page.gap(16)


def _note(page: Page, y: int, text: str) -> int:
    pad = page.gap(26)
    width = WIDTH - 2 * MARGIN - 2 * pad
    height = 2 * pad + page.text_height(text, 42, width)
    page.draw.rounded_rectangle(
        (MARGIN, y, WIDTH - MARGIN, y + height), radius=page.gap(18), fill=NAVY
    )
    page.text_block(MARGIN + pad, y + pad, text, 42, width, WHITE)
    return y + height + page.gap(20)
