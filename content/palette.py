"""The posters' colours, chosen so every piece of type reads at WCAG AA (4.5:1).

`text_pairs` lists each type colour with the colour it is drawn on; the visuals test computes their
contrast, so a new colour that reads poorly fails there rather than on a staff-room wall.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

PAPER = (251, 248, 242)
INK = (33, 37, 41)
SOFT_INK = (84, 90, 97)
NAVY = (31, 58, 95)
WHITE = (255, 255, 255)
HEADER_INK = (200, 214, 230)
# Every colour carries white type and reads on white and on the paper at WCAG AA (4.5:1); the
# visuals test computes each pair.
ACCENTS = (
    (38, 120, 120),
    (170, 84, 60),
    (61, 90, 128),
    (124, 94, 164),
    (138, 100, 20),
    (170, 78, 106),
)
SECTOR_COLOURS = {
    "Mind": (61, 90, 128),
    "Spirit": (124, 94, 164),
    "Strength": (30, 122, 110),
    "Heart": (172, 82, 58),
}
# A sector that is not the focus is drawn pale, with its label in a deep shade of its colour
# (white on the pale tint fell to 1.7:1).
PALE = 0.55
PALE_LABEL_SHADE = 0.45


def tint(colour: RGB, amount: float) -> RGB:
    """The colour mixed with white by `amount` (0 to 1)."""
    r, g, b = (round(c + (255 - c) * amount) for c in colour)
    return (r, g, b)


def shade(colour: RGB, amount: float) -> RGB:
    """The colour mixed with black by `amount` (0 to 1)."""
    r, g, b = (round(c * (1 - amount)) for c in colour)
    return (r, g, b)


def sector_colours(
    name: str, highlight: str | None
) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """A compass sector's fill and label colour: full with white type, or pale with deep type."""
    colour = SECTOR_COLOURS[name]
    if highlight and name != highlight:
        return tint(colour, PALE), shade(colour, PALE_LABEL_SHADE)
    return colour, WHITE


def text_pairs() -> list[tuple[str, RGB, RGB]]:
    """Every (what, type colour, background) the renderer draws."""
    pairs: list[tuple[str, RGB, RGB]] = [
        ("pack title on the header", HEADER_INK, NAVY),
        ("poster title on the header", WHITE, NAVY),
        ("footer title on the paper", NAVY, PAPER),
        ("footer credit on the paper", SOFT_INK, PAPER),
        ("card text on a card", INK, WHITE),
        ("note text on a note", WHITE, NAVY),
    ]
    for colour in ACCENTS:
        pairs += [
            (f"number or stage on {colour}", WHITE, colour),
            (f"step name in {colour} on the paper", colour, PAPER),
            (f"card label in {colour} on a card", colour, WHITE),
        ]
    for name, colour in SECTOR_COLOURS.items():
        pairs += [
            (f"{name} card label on a card", colour, WHITE),
            (f"{name} row label on the paper", colour, PAPER),
        ]
        for highlight in (None, name, *(other for other in SECTOR_COLOURS if other != name)):
            fill, ink = sector_colours(name, highlight)
            pairs.append((f"{name} label on its sector, focus {highlight}", ink, fill))
    return pairs
