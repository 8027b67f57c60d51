"""The cycle poster (Section 3): its labelled caption lines as stages around a circle."""

from __future__ import annotations

import math

from content.models import Section
from content.palette import ACCENTS, WHITE
from content.posters.page import WIDTH, Overflow, Page, caption_lines
from content.posters.panels import card


def draw(page: Page, section: Section, top: int, bottom: int) -> int:
    """The stages round a clockwise circle, then a card for each; return the y below."""
    pairs = [(label, text) for label, text in caption_lines(section) if label]
    radius = page.gap(180)
    cx, cy = WIDTH // 2, top + radius + page.gap(30)
    page.draw.ellipse(
        (cx - radius, cy - radius, cx + radius, cy + radius), outline=(190, 184, 172), width=10
    )
    count = len(pairs)
    for index in range(count):
        # An arrowhead halfway between two stages, pointing clockwise.
        angle = math.radians(-90 + (index + 0.5) * 360 / count)
        ax, ay = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        tangent = angle + math.pi / 2
        size = page.gap(30)
        tip = (ax + size * math.cos(tangent), ay + size * math.sin(tangent))
        left = (ax + size * 0.9 * math.cos(angle), ay + size * 0.9 * math.sin(angle))
        right = (ax - size * 0.9 * math.cos(angle), ay - size * 0.9 * math.sin(angle))
        page.draw.polygon([tip, left, right], fill=(150, 144, 132))
    for index, (label, _) in enumerate(pairs):
        angle = math.radians(-90 + index * 360 / count)
        nx, ny = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        colour = ACCENTS[index % len(ACCENTS)]
        font = page.font(42)
        half = font.getlength(label) / 2 + page.gap(30)
        tall = page.gap(44)
        page.draw.rounded_rectangle(
            (nx - half, ny - tall, nx + half, ny + tall), radius=tall, fill=colour
        )
        page.centred(nx, ny, label, 42, WHITE)
    y = cy + radius + page.gap(70)
    for index, (label, text) in enumerate(pairs):
        y = card(page, y, label, text, ACCENTS[index % len(ACCENTS)]) + page.gap(16)
    if y > bottom:
        raise Overflow
    return y
