"""Render each section's core-content visual to a PNG a facilitator can post in chat or print at A4.

The image is drawn from the pack's own text, so an organisation that edits or translates a pack gets
matching visuals by re-rendering. Layouts:

- Section 1 draws the six Compassionate Action Steps from the pack's `steps`.
- A caption whose lines are labelled with the four Wellness Compass sectors ("Mind: ...") draws the
  compass; the sector named in the visual's title is highlighted. Other lines become a note below.
- Section 3 draws its labelled caption lines as a cycle (the cycle of compassion fatigue).
- Any other caption draws one panel per line, "Label: text" with the label in colour.

Type comes from Pillow's bundled font (`ImageFont.load_default(size=...)`, Pillow >= 10.1), so the
output is the same on any machine with the same Pillow.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from content.loader import load_pack
from content.models import Pack, Section
from content.palette import (
    ACCENTS,
    HEADER_INK,
    INK,
    NAVY,
    PAPER,
    SECTOR_COLOURS,
    SOFT_INK,
    WHITE,
    sector_colours,
)
from content.typesetting import Font, drawable, wrap, wrap_title

# A4 portrait at 150 dpi: prints cleanly, and at phone width the body type is still ~13 px.
WIDTH, HEIGHT = 1240, 1754
MARGIN = 80
# Few colours keep the palette PNG small; the quantizer keeps the anti-aliased edges of the type.
PALETTE_COLOURS = 48

# Compass wedges as (start, end) degrees in Pillow's convention: 0 is three o'clock, clockwise.
SECTOR_WEDGES = {
    "Mind": (225, 315),
    "Spirit": (315, 405),
    "Strength": (45, 135),
    "Heart": (135, 225),
}
# Tried in turn until the content fits the page.
SCALES = (1.25, 1.16, 1.08, 1.0, 0.93, 0.86, 0.8, 0.74, 0.68, 0.62, 0.56)
STEPS_CREDIT = (
    "Steps combined from the works of Monica Worline, Awakening Compassion at Work (2017), and Beth"
    " Lown, The Schwartz Center for Compassionate Healthcare (2014)"
)
# The posters are crbot's drawing of the toolkit's content, not the toolkit's own documents.
CREDIT = "Adapted from the Compassion Resilience Toolkit · compassionresiliencetoolkit.org"


class _Overflow(Exception):
    """The content does not fit the page at this scale."""


@lru_cache(maxsize=64)
def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


@dataclass
class _Page:
    """One attempt at drawing a visual at a given type scale."""

    image: Image.Image
    draw: ImageDraw.ImageDraw
    scale: float

    def font(self, size: int) -> Font:
        return _font(max(12, round(size * self.scale)))

    def gap(self, pixels: int) -> int:
        return round(pixels * self.scale)

    def wrap(self, text: str, size: int, width: int) -> list[str]:
        return wrap(self.font(size), drawable(text), width)

    def title_lines(self, text: str, size: int, width: int) -> list[str]:
        return wrap_title(self.font(size), drawable(text), width)

    def line_height(self, size: int) -> int:
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
        return len(self.wrap(text, size, width)) * self.line_height(size)

    def centred(
        self, cx: float, cy: float, text: str, size: int, fill: tuple[int, int, int]
    ) -> None:
        self.draw.text((cx, cy), drawable(text), font=self.font(size), fill=fill, anchor="mm")


def _caption_lines(section: Section) -> list[tuple[str, str]]:
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


def layout(pack: Pack, section: Section) -> str:
    """How the section's visual is drawn: "steps", "compass", "cycle" or "panels"."""
    labels = {label for label, _ in _caption_lines(section)}
    if section.number == 1:
        return "steps"
    if set(SECTOR_COLOURS) <= labels:
        return "compass"
    if section.number == 3 and len([label for label in labels if label]) >= 3:
        return "cycle"
    return "panels"


def _header(page: _Page, pack: Pack, section: Section) -> int:
    assert section.visual is not None
    title_lines = _title_lines(page, section)["header"]
    top = page.gap(56)
    height = top + page.line_height(30) + page.gap(14)
    height += len(title_lines) * page.line_height(76) + page.gap(48)
    page.draw.rectangle((0, 0, WIDTH, height), fill=NAVY)
    pack_title = drawable(pack.info.title.upper())
    page.draw.text((MARGIN, top), pack_title, font=page.font(30), fill=HEADER_INK)
    y = top + page.line_height(30) + page.gap(14)
    for line in title_lines:
        page.draw.text((MARGIN, y), line, font=page.font(76), fill=WHITE)
        y += page.line_height(76)
    return height + page.gap(56)


def _title_lines(page: _Page, section: Section) -> dict[str, list[str]]:
    """The poster's two titles as drawn: the visual's in the header, the section's in the footer."""
    assert section.visual is not None
    width = WIDTH - 2 * MARGIN
    return {
        "header": page.title_lines(section.visual.title, 76, width),
        "footer": page.title_lines(f"Section {section.number} · {section.title}", 30, width),
    }


def title_lines(section: Section, scale: float) -> dict[str, list[str]]:
    """The header and footer titles of a section's visual as they wrap at a type scale."""
    image = Image.new("RGB", (1, 1))
    return _title_lines(_Page(image, ImageDraw.Draw(image), scale), section)


def credit_line(section: Section) -> str:
    """The footer's credit: adapted from the toolkit, and for Section 1 whose steps they are."""
    return f"{STEPS_CREDIT} · {CREDIT}" if section.number == 1 else CREDIT


def _footer(page: _Page, pack: Pack, section: Section) -> int:
    """Draw the footer; return the y above which content must stay."""
    width = WIDTH - 2 * MARGIN
    title = _title_lines(page, section)["footer"]
    credit = credit_line(section)
    height = len(title) * page.line_height(30) + page.text_height(credit, 26, width)
    top = HEIGHT - page.gap(60) - height
    page.draw.line(
        (MARGIN, top - page.gap(24), WIDTH - MARGIN, top - page.gap(24)), fill=NAVY, width=3
    )
    y = top
    for line in title:
        page.draw.text((MARGIN, y), line, font=page.font(30), fill=NAVY)
        y += page.line_height(30)
    page.text_block(MARGIN, y, credit, 26, width, SOFT_INK)
    return top - page.gap(48)


def _steps(page: _Page, pack: Pack, top: int, bottom: int) -> int:
    badge = page.gap(104)
    text_x = MARGIN + badge + page.gap(36)
    width = WIDTH - MARGIN - text_x
    heights = [page.line_height(54) + page.text_height(step.line, 40, width) for step in pack.steps]
    spare = bottom - top - sum(heights)
    if spare < 0:
        raise _Overflow
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


def _panel_height(page: _Page, label: str, text: str) -> int:
    pad = page.gap(28)
    width = WIDTH - 2 * MARGIN - page.gap(14) - 2 * pad
    height = 2 * pad + page.text_height(text, 40, width)
    if label:
        height += page.text_height(label, 48, width) + page.gap(6)
    return height


def _panel(page: _Page, y: int, label: str, text: str, colour: tuple[int, int, int]) -> int:
    """A card with a coloured bar, a coloured label and wrapped text; return the y below it."""
    pad = page.gap(28)
    inner_x = MARGIN + page.gap(14) + pad
    width = WIDTH - MARGIN - pad - inner_x
    height = _panel_height(page, label, text)
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


def _panels(page: _Page, pairs: list[tuple[str, str]], top: int, bottom: int) -> int:
    heights = [_panel_height(page, label, text) for label, text in pairs]
    spare = bottom - top - sum(heights)
    if spare < page.gap(30) * (len(pairs) - 1):
        raise _Overflow
    # Spread the cards over the page rather than leaving the bottom empty.
    gap = min(spare // max(len(pairs), 1), page.gap(72))
    y = top + (spare - gap * (len(pairs) - 1)) // 3
    for index, (label, text) in enumerate(pairs):
        y = _panel(page, y, label, text, ACCENTS[index % len(ACCENTS)]) + gap
    return y


def _compass(page: _Page, section: Section, top: int, bottom: int) -> int:
    assert section.visual is not None
    pairs = _caption_lines(section)
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
            y = _panel(page, y, label, text, SECTOR_COLOURS[label]) + page.gap(20)
    for label, text in others:
        y = _note(page, y + page.gap(10), f"{label}: {text}" if label else text)
    if y > bottom:
        raise _Overflow
    return y


def _compact(page: _Page, y: int, label: str, text: str, colour: tuple[int, int, int]) -> int:
    """A one-line-label row for the sectors that are not the focus."""
    font = page.font(36)
    label_width = round(font.getlength(f"{label}  "))
    page.draw.text((MARGIN + page.gap(14), y), drawable(label), font=font, fill=colour)
    x = MARGIN + page.gap(14) + label_width
    end = page.text_block(x, y, text, 36, WIDTH - MARGIN - x, SOFT_INK)
    return end + page.gap(16)


def _note(page: _Page, y: int, text: str) -> int:
    pad = page.gap(26)
    width = WIDTH - 2 * MARGIN - 2 * pad
    height = 2 * pad + page.text_height(text, 42, width)
    page.draw.rounded_rectangle(
        (MARGIN, y, WIDTH - MARGIN, y + height), radius=page.gap(18), fill=NAVY
    )
    page.text_block(MARGIN + pad, y + pad, text, 42, width, WHITE)
    return y + height + page.gap(20)


def _cycle(page: _Page, section: Section, top: int, bottom: int) -> int:
    pairs = [(label, text) for label, text in _caption_lines(section) if label]
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
        y = _panel(page, y, label, text, ACCENTS[index % len(ACCENTS)]) + page.gap(16)
    if y > bottom:
        raise _Overflow
    return y


def _draw(pack: Pack, section: Section, scale: float) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    page = _Page(image, ImageDraw.Draw(image), scale)
    top = _header(page, pack, section)
    bottom = _footer(page, pack, section)
    drawn = layout(pack, section)
    if drawn == "steps":
        _steps(page, pack, top, bottom)
    elif drawn == "compass":
        _compass(page, section, top, bottom)
    elif drawn == "cycle":
        _cycle(page, section, top, bottom)
    else:
        _panels(page, _caption_lines(section), top, bottom)
    return image


def _fitted(pack: Pack, section: Section) -> tuple[Image.Image, float]:
    """The visual drawn at the largest type scale that fits the page, and that scale."""
    for scale in SCALES:
        try:
            return _draw(pack, section, scale), scale
        except _Overflow:
            continue
    raise ValueError(f"section {section.number}: the visual's caption is too long for one page")


def scale_used(pack: Pack, section: Section) -> float:
    """The type scale the section's visual is drawn at."""
    return _fitted(pack, section)[1]


def render_visual(pack: Pack, section: Section) -> bytes:
    """The section's visual as PNG bytes (A4 portrait at 150 dpi, palette colours)."""
    if section.visual is None:
        raise ValueError(f"section {section.number} has no visual")
    image, _ = _fitted(pack, section)
    quantized = image.quantize(
        colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    info = PngInfo()
    info.add_text("Title", section.visual.title)
    info.add_text("Description", section.visual.alt_text)
    buffer = io.BytesIO()
    quantized.save(buffer, format="PNG", optimize=True, pnginfo=info, dpi=(150, 150))
    return buffer.getvalue()


def image_name(section: Section) -> str:
    """The file name of a section's visual: its `visual.image`, else `section-NN.png`."""
    if section.visual is not None and section.visual.image:
        return section.visual.image
    return f"section-{section.number:02d}.png"


def render_pack_visuals(pack_folder: Path, out_dir: Path) -> list[Path]:
    """Render the visuals of the pack at `pack_folder` into `out_dir`; return the files written."""
    pack = load_pack(Path(pack_folder), check_visuals=False)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for section in pack.sections:
        if section.visual is None:
            continue
        path = out_dir / image_name(section)
        path.write_bytes(render_visual(pack, section))
        written.append(path)
    return written
