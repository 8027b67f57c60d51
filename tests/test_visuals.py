"""The section visuals: the shipped PNGs are what the renderer makes from the packs now."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from coloraide import Color
from PIL import Image, ImageFont

from content.loader import BUILTIN_PACKS, load_pack, pack_folder
from content.models import Pack, Section
from content.palette import text_pairs
from content.posters.page import HEIGHT, WIDTH
from content.typesetting import drawable, missing_glyphs
from content.visuals import (
    CREDIT,
    credit_line,
    layout,
    render_pack_visuals,
    render_visual,
    scale_used,
    title_lines,
)

RERENDER = "re-render with: crbot content render-visuals {pack} --out content/{pack}/visuals"


@pytest.fixture(scope="module", params=BUILTIN_PACKS)
def pack(request: pytest.FixtureRequest) -> Pack:
    return load_pack(pack_folder(request.param))


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def _shipped(pack: Pack, section: Section) -> Path:
    assert section.visual is not None and section.visual.image
    return pack_folder(pack.info.key) / "visuals" / section.visual.image


def test_every_section_names_a_shipped_visual_with_alt_text(pack: Pack) -> None:
    for section in pack.sections:
        assert section.visual is not None
        assert section.visual.alt_text
        assert _shipped(pack, section).is_file(), section.number


def test_the_shipped_visuals_are_what_the_renderer_makes_now(pack: Pack) -> None:
    stale = [
        section.visual.image
        for section in pack.sections
        if section.visual is not None
        and _pixels(_shipped(pack, section).read_bytes()) != _pixels(render_visual(pack, section))
    ]
    assert stale == [], RERENDER.format(pack=pack.info.key)


def test_each_shipped_visual_is_a_small_a4_portrait_png(pack: Pack) -> None:
    for section in pack.sections:
        path = _shipped(pack, section)
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (WIDTH, HEIGHT)
            assert image.mode == "P"
        assert path.stat().st_size < 120_000, path.name


def test_the_visuals_carry_their_title_and_alt_text(pack: Pack) -> None:
    section = pack.sections[0]
    assert section.visual is not None
    with Image.open(_shipped(pack, section)) as image:
        assert image.info["Title"] == section.visual.title
        assert image.info["Description"] == section.visual.alt_text


def test_the_six_steps_visual_names_every_step_in_its_alt_text(pack: Pack) -> None:
    visual = pack.sections[0].visual
    assert visual is not None
    for step in pack.steps:
        assert step.name.lower() in visual.alt_text.lower()


def test_rendering_is_deterministic() -> None:
    pack = load_pack(pack_folder("schools"))
    section = pack.sections[1]
    assert render_visual(pack, section) == render_visual(pack, section)


def test_render_pack_visuals_writes_one_png_per_section_even_before_they_exist(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(pack_folder("healthcare"), folder)
    shutil.rmtree(folder / "visuals")
    out = tmp_path / "out"
    written = render_pack_visuals(folder, out)
    pack = load_pack(pack_folder("healthcare"))
    names = [section.visual.image for section in pack.sections if section.visual]
    assert [path.name for path in written] == names
    assert all(path.parent == out for path in written)
    with Image.open(written[0]) as image:
        assert image.size == (WIDTH, HEIGHT)


def test_an_edited_title_changes_the_rendered_visual(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(pack_folder("schools"), folder)
    section_file = folder / "sections" / "07.yaml"
    text = section_file.read_text(encoding="utf-8")
    section_file.write_text(
        text.replace("title: Our culture agreements", "title: Our Lincoln agreements"),
        encoding="utf-8",
    )
    edited = load_pack(folder)
    original = load_pack(pack_folder("schools"))
    assert _pixels(render_visual(edited, edited.sections[6])) != _pixels(
        render_visual(original, original.sections[6])
    )


# What the posters say and how they read.

NUMBER_WORDS = {3: "three", 4: "four", 5: "five", 6: "six"}


def _flat(text: str) -> str:
    """Lowercase words only, so wrapping and punctuation do not matter."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def test_every_footer_says_the_poster_is_adapted_from_the_toolkit(pack: Pack) -> None:
    for section in pack.sections:
        assert CREDIT in credit_line(section), section.number
        assert CREDIT.startswith("Adapted from the Compassion Resilience Toolkit")
    first = credit_line(pack.sections[0])
    assert "Awakening Compassion at Work (2017)" in first and "Schwartz Center" in first


def test_every_alt_text_names_the_shape_drawn_and_every_line_on_it(pack: Pack) -> None:
    for section in pack.sections:
        assert section.visual is not None
        alt = _flat(section.visual.alt_text)
        drawn = layout(pack, section)
        if drawn == "steps":
            shown = [f"{step.number} {step.name}: {step.line}" for step in pack.steps]
            shape = "six numbered steps"
        else:
            shown = [line for line in section.visual.caption.splitlines() if line.strip()]
            count = NUMBER_WORDS[len(shown)]
            shape = {
                "compass": "four sectors",
                "cycle": f"{count} stages of the cycle of compassion fatigue around a circle",
                "panels": f"{count} stacked cards",
            }[drawn]
        assert shape in alt, (section.number, shape)
        assert "nested" not in alt and "panels" not in alt, section.number
        assert [line for line in shown if _flat(line) not in alt] == [], section.number


def test_every_piece_of_type_on_the_posters_reaches_wcag_aa_contrast() -> None:
    def ratio(ink: tuple[int, int, int], ground: tuple[int, int, int]) -> float:
        def colour(rgb: tuple[int, int, int]) -> Color:
            return Color("srgb", [channel / 255 for channel in rgb])

        return float(colour(ink).contrast(colour(ground), method="wcag21"))

    low = {what: round(ratio(ink, ground), 2) for what, ink, ground in text_pairs()}
    assert {what: value for what, value in low.items() if value < 4.5} == {}
    assert any("focus Mind" in what for what in low)


def test_no_title_on_any_poster_leaves_one_word_alone_on_a_line(pack: Pack) -> None:
    lonely = [
        (section.number, scale, where, lines)
        for section in pack.sections
        for scale in [scale_used(pack, section)]
        for where, lines in title_lines(section, scale).items()
        if len(lines) > 1 and any(" " not in line for line in lines)
    ]
    assert lonely == []


def test_the_posters_font_can_draw_every_character_they_show(pack: Pack) -> None:
    font = ImageFont.load_default(size=40)
    texts = [pack.info.title.upper(), *(f"{s.name} {s.line}" for s in pack.steps)]
    for section in pack.sections:
        assert section.visual is not None
        texts += [section.title, section.visual.title, section.visual.caption]
        texts.append(credit_line(section))
    assert missing_glyphs(font, drawable(" ".join(texts))) == set()
    assert missing_glyphs(font, "\u2013") == {"\u2013"}  # the dash the pack keeps, drawn as "-"


def test_the_schools_posters_draw_the_schools_packs_own_words() -> None:
    healthcare = load_pack(pack_folder("healthcare"))
    schools = load_pack(pack_folder("schools"))

    def drawn(pack: Pack, section: Section) -> str:
        assert section.visual is not None
        if layout(pack, section) == "steps":
            return " ".join(step.line for step in pack.steps)
        return section.visual.caption

    same = [
        theirs.number
        for ours, theirs in zip(schools.sections, healthcare.sections, strict=True)
        if drawn(schools, ours) == drawn(healthcare, theirs)
    ]
    # Section 1 draws the six steps, the toolkit's own words for every audience.
    assert same == [1]
