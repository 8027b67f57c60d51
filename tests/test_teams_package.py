"""`crbot teams package`: an installable zip whose manifest and icons Teams accepts."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from adapters.teams.package import DEPLOY, PackageError, build_package
from crbot.__main__ import main

APP_ID = "11111111-2222-4333-8444-555555555555"


def test_the_package_command_writes_a_zip_with_the_manifest_and_both_icons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    out = tmp_path / "crbot-teams.zip"

    assert main(["teams", "package", "--out", str(out)]) == 0

    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    for field in ("manifestVersion", "version", "id", "developer", "name", "description"):
        assert manifest[field]
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    titles = {c["title"] for lst in bot["commandLists"] for c in lst["commands"]}
    assert {"compassion-steps", "scenario", "checkin", "help", "practice"} <= titles
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    assert "wrote" in capsys.readouterr().out


def copy_of_deploy(tmp_path: Path) -> Path:
    folder = tmp_path / "teams"
    shutil.copytree(DEPLOY, folder)
    return folder


def test_a_name_too_long_for_teams_is_refused_naming_the_field(tmp_path: Path) -> None:
    folder = copy_of_deploy(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["name"]["short"] = "x" * 31
    (folder / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(PackageError, match=r"name\.short"):
        build_package(tmp_path / "out.zip", folder=folder)
    assert not (tmp_path / "out.zip").exists()


def test_a_colour_icon_of_the_wrong_size_is_refused_naming_the_file(tmp_path: Path) -> None:
    folder = copy_of_deploy(tmp_path)
    Image.new("RGB", (96, 96), "#4F6D7A").save(folder / "color.png")

    with pytest.raises(PackageError, match=r"color\.png: must be 192x192"):
        build_package(tmp_path / "out.zip", folder=folder)


def test_an_outline_icon_that_is_not_white_on_transparent_is_refused(tmp_path: Path) -> None:
    folder = copy_of_deploy(tmp_path)
    Image.new("RGBA", (32, 32), (0, 0, 0, 255)).save(folder / "outline.png")

    with pytest.raises(PackageError, match="white on transparent"):
        build_package(tmp_path / "out.zip", folder=folder)


def test_a_bad_microsoft_app_id_fails_the_command_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", "not-a-guid")
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))

    assert main(["teams", "package", "--out", str(tmp_path / "out.zip")]) == 2
    assert "bots.0.botId" in capsys.readouterr().err
