"""The section visuals: the shipped PNGs are what the renderer makes from the packs now."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from content.loader import BUILTIN_PACKS, load_pack, pack_folder
from content.models import Pack, Section
from content.visuals import HEIGHT, WIDTH, render_pack_visuals, render_visual

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
