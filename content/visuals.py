"""Render each section's core-content visual to a PNG a facilitator can post in chat or print at A4.

The image is drawn from the pack's own text, so an organisation that edits or translates a pack gets
matching visuals by re-rendering. Layouts:

- Section 1 draws the six Compassionate Action Steps from the pack's `steps`.
- A caption whose lines are labelled with the four Wellness Compass sectors ("Mind: ...") draws the
  compass; the sector named in the visual's title is highlighted. Other lines become a note below.
- Section 3 draws its labelled caption lines as a cycle (the cycle of compassion fatigue).
- Any other caption draws one panel per line, "Label: text" with the label in colour.

This module draws what every poster shares (header, footer, credit), picks the layout and fits it to
the page; each layout is a module of `content.posters`, on the page of `content.posters.page`.

Type comes from Pillow's bundled font (`ImageFont.load_default(size=...)`, Pillow >= 10.1), so the
output is the same on any machine with the same Pillow.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

from content.loader import load_pack
from content.models import Pack, Section
from content.palette import HEADER_INK, NAVY, PAPER, SECTOR_COLOURS, SOFT_INK, WHITE
from content.posters import compass, cycle, panels, steps
from content.posters.page import HEIGHT, MARGIN, WIDTH, Overflow, Page, caption_lines
from content.typesetting import drawable

# Few colours keep the palette PNG small; the quantizer keeps the anti-aliased edges of the type.
PALETTE_COLOURS = 48
# Tried in turn until the content fits the page.
SCALES = (1.25, 1.16, 1.08, 1.0, 0.93, 0.86, 0.8, 0.74, 0.68, 0.62, 0.56)
STEPS_CREDIT = (
    "Steps combined from the works of Monica Worline, Awakening Compassion at Work (2017), and Beth"
    " Lown, The Schwartz Center for Compassionate Healthcare (2014)"
)
# The posters are crbot's drawing of the toolkit's content, not the toolkit's own documents.
CREDIT = "Adapted from the Compassion Resilience Toolkit · compassionresiliencetoolkit.org"


def layout(pack: Pack, section: Section) -> str:
    """How the section's visual is drawn: "steps", "compass", "cycle" or "panels"."""
    labels = {label for label, _ in caption_lines(section)}
    if section.number == 1:
        return "steps"
    if set(SECTOR_COLOURS) <= labels:
        return "compass"
    if section.number == 3 and len([label for label in labels if label]) >= 3:
        return "cycle"
    return "panels"


def _header(page: Page, pack: Pack, section: Section) -> int:
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


def _title_lines(page: Page, section: Section) -> dict[str, list[str]]:
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
    return _title_lines(Page(image, ImageDraw.Draw(image), scale), section)


def credit_line(section: Section) -> str:
    """The footer's credit: adapted from the toolkit, and for Section 1 whose steps they are."""
    return f"{STEPS_CREDIT} · {CREDIT}" if section.number == 1 else CREDIT


def _footer(page: Page, pack: Pack, section: Section) -> int:
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


def _draw(pack: Pack, section: Section, scale: float) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    page = Page(image, ImageDraw.Draw(image), scale)
    top = _header(page, pack, section)
    bottom = _footer(page, pack, section)
    drawn = layout(pack, section)
    if drawn == "steps":
        steps.draw(page, pack, top, bottom)
    elif drawn == "compass":
        compass.draw(page, section, top, bottom)
    elif drawn == "cycle":
        cycle.draw(page, section, top, bottom)
    else:
        panels.draw(page, caption_lines(section), top, bottom)
    return image


def _fitted(pack: Pack, section: Section) -> tuple[Image.Image, float]:
    """The visual drawn at the largest type scale that fits the page, and that scale."""
    for scale in SCALES:
        try:
            return _draw(pack, section, scale), scale
        except Overflow:
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
