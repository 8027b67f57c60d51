"""Pictures inside Teams cards: a content pack's visual as a data URI the card carries itself.

The bot has no public address for Teams to fetch images from, and Adaptive Cards accept data URIs
(schema 1.2+). Teams shows inline card images up to 1024 x 1024 pixels, and a whole message must
stay under about 80 KB, so each visual is scaled to fit and reduced to a small palette until it
is within `BUDGET_BYTES` of base64. Visuals never change while the bot runs, so each is prepared
once.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
from pathlib import Path

from PIL import Image as Pillow

log = logging.getLogger(__name__)

# Teams' limit for inline images in cards.
MAX_SIDE = 1024
# Leaves room in an 80 KB message for the caption, buttons and the card's own JSON.
BUDGET_BYTES = 60 * 1024
# Each try that is still too large shrinks the picture by this much.
SHRINK = 0.85
# Posters are flat colours and text: 16 colours keep them legible and small.
COLOURS = 16
SMALLEST_SIDE = 240


@functools.lru_cache(maxsize=64)
def data_uri(path: Path) -> str | None:
    """The picture as a PNG data URI within budget, or None when it cannot be read or fit."""
    try:
        with Pillow.open(path) as opened:
            picture = opened.convert("RGB")
    except (OSError, ValueError):
        log.warning("visual unreadable", extra={"platform": "teams"})
        return None
    scale = min(1.0, MAX_SIDE / max(picture.size))
    while max(picture.size) * scale >= SMALLEST_SIDE:
        size = (round(picture.size[0] * scale), round(picture.size[1] * scale))
        encoded = base64.b64encode(_png(picture.resize(size, Pillow.Resampling.LANCZOS)))
        if len(encoded) <= BUDGET_BYTES:
            return "data:image/png;base64," + encoded.decode()
        scale *= SHRINK
    log.warning("visual too detailed for a card", extra={"platform": "teams"})
    return None


def _png(picture: Pillow.Image) -> bytes:
    buffer = io.BytesIO()
    # Fast octree keeps posters crisp and small, in a few milliseconds per picture.
    picture.quantize(colors=COLOURS, method=Pillow.Quantize.FASTOCTREE).save(buffer, "PNG")
    return buffer.getvalue()
