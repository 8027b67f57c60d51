"""The steps poster (Section 1): the six Compassionate Action Steps from the pack's `steps`."""

from __future__ import annotations

from content.models import Pack
from content.palette import ACCENTS, INK, WHITE
from content.posters.page import MARGIN, WIDTH, Overflow, Page
from content.typesetting import drawable


def draw(page: Page, pack: Pack, top: int, bottom: int) -> int:
    """Each step as a numbered badge, its name and its line; return the y below them."""
    badge = page.gap(104)
    text_x = MARGIN + badge + page.gap(36)
    width = WIDTH - MARGIN - text_x
    heights = [page.line_height(54) + page.text_height(step.line, 40, width) for step in pack.steps]
    spare = bottom - top - sum(heights)
    if spare < 0:
        raise Overflow
    gap = min(spare // len(heights), page.gap(70))
    y = top
    for index, (step, height) in enumerate(zip(pack.steps, heights, strict=True)):
        colour = ACCENTS[index % len(ACCENTS)]
        cy = y + badge // 2
        page.draw.ellipse((MARGIN, cy - badge // 2, MARGIN + badge, cy + badge // 2), fill=colour)
        page.centred(MARGIN + badge / 2, cy, str(step.number), 60, WHITE)
        page.draw.text((text_x, y), drawable(step.name), font=page.font(54), fill=colour)
        page.text_block(text_x, y + page.line_height(54), step.line, 40, width, INK)
        y += max(height, badge) + gap
    return y
