"""Type on the posters: titles wrapped without a lone word, and characters the font can draw.

Kept apart from the layouts in `content/visuals.py` so the rules a test checks (no orphan word, no
missing glyph) live in one place.
"""

from __future__ import annotations

from itertools import combinations, pairwise

from PIL import ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Pillow's bundled font (Aileron) has no en or em dash: drawn as-is they come out as empty boxes.
# The pack keeps the sources' dash; the poster shows a spaced hyphen, which reads the same.
FALLBACKS = str.maketrans({"\u2013": "-", "\u2014": "-"})
# A private-use character: every font draws it as its "missing glyph" box.
_NO_GLYPH = "\ue000"


def drawable(text: str) -> str:
    """The text with each character the bundled font lacks replaced by one it has."""
    return text.translate(FALLBACKS)


def missing_glyphs(font: Font, text: str) -> set[str]:
    """The characters of `text` that `font` would draw as its missing-glyph box."""
    box = bytes(font.getmask(_NO_GLYPH))
    return {char for char in set(text) if not char.isspace() and bytes(font.getmask(char)) == box}


def wrap(font: Font, text: str, width: float) -> list[str]:
    """Greedy wrapping, paragraph by paragraph: as many words per line as fit in `width`."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if not line or font.getlength(candidate) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def wrap_title(font: Font, text: str, width: float) -> list[str]:
    """A title on as few lines as greedy wrapping needs, broken so no line holds one word alone.

    Among the ways to break the words over that many lines, it takes the one with the fewest
    single-word lines, then the most even line lengths. Titles are short, so trying every way is
    cheap (a 15-word title on three lines has 91).
    """
    greedy = wrap(font, text, width)
    words = text.split()
    if len(greedy) < 2 or len(words) > 24:
        return greedy
    best: tuple[int, float] | None = None
    chosen = greedy
    for cuts in combinations(range(1, len(words)), len(greedy) - 1):
        bounds = (0, *cuts, len(words))
        lines = [" ".join(words[a:b]) for a, b in pairwise(bounds)]
        lengths = [font.getlength(line) for line in lines]
        if max(lengths) > width:
            continue
        score = (sum(1 for line in lines if " " not in line), max(lengths))
        if best is None or score < best:
            best, chosen = score, lines
    return chosen
