"""`crbot teams package`: an installable zip whose manifest and icons Teams accepts, carrying the
publisher's real pages from settings and the command menus from the command registry."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from adapters.teams.package import (
    DEPLOY,
    MENU_LIMIT,
    PERSONAL_ONLY,
    PackageError,
    build_package,
    page_problem,
    validate,
)
from bot.handlers import discover, specs
from bot.messages import Reply
from bot.registry import CommandSpec, Registry
from bot.turn import Turn
from crbot.__main__ import main

APP_ID = "11111111-2222-4333-8444-555555555555"
PAGES = {
    "CRBOT_TEAMS_WEBSITE_URL": "https://wellbeing.stmarys-trust.org.uk/crbot",
    "CRBOT_TEAMS_PRIVACY_URL": "https://wellbeing.stmarys-trust.org.uk/crbot/privacy",
    "CRBOT_TEAMS_TERMS_URL": "https://wellbeing.stmarys-trust.org.uk/crbot/terms?v=2",
}
MANIFEST_PAGES = {
    "websiteUrl": PAGES["CRBOT_TEAMS_WEBSITE_URL"],
    "privacyUrl": PAGES["CRBOT_TEAMS_PRIVACY_URL"],
    "termsOfUseUrl": PAGES["CRBOT_TEAMS_TERMS_URL"],
}


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An environment with the app id and the three pages set; the zip's path."""
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    monkeypatch.setenv("CRBOT_DATA_DIR", str(tmp_path))
    for variable, address in PAGES.items():
        monkeypatch.setenv(variable, address)
    return tmp_path / "crbot-teams.zip"


def zipped(out: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest in the zip, and every file in it by name."""
    with zipfile.ZipFile(out) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files["manifest.json"]), files


def menus(manifest: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each scope's (title, description) commands."""
    [bot] = manifest["bots"]
    return {
        scope: [(command["title"], command["description"]) for command in listed["commands"]]
        for listed in bot["commandLists"]
        for scope in listed["scopes"]
    }


def copy_of_deploy(tmp_path: Path) -> Path:
    folder = tmp_path / "teams"
    shutil.copytree(DEPLOY, folder)
    return folder


def test_the_package_command_writes_a_zip_with_the_manifest_and_both_icons(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["teams", "package", "--out", str(configured)]) == 0

    manifest, files = zipped(configured)
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    color = Image.open(io.BytesIO(files["color.png"]))
    outline = Image.open(io.BytesIO(files["outline.png"]))
    for field in ("manifestVersion", "version", "id", "developer", "name", "description"):
        assert manifest[field]
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    assert "wrote" in capsys.readouterr().out


def test_the_zipped_manifest_passes_the_checks_and_links_the_pages_from_settings(
    configured: Path,
) -> None:
    assert main(["teams", "package", "--out", str(configured)]) == 0

    manifest, files = zipped(configured)
    checked = validate(manifest, files)
    assert checked.developer.model_dump(include=set(MANIFEST_PAGES)) == MANIFEST_PAGES
    assert checked.developer.name == "crbot contributors"


def test_the_personal_menu_lists_every_registry_menu_command_in_its_order(
    configured: Path,
) -> None:
    assert main(["teams", "package", "--out", str(configured)]) == 0

    scopes = menus(zipped(configured)[0])
    assert scopes["personal"] == discover().menu()
    assert {"ask", "suggest", "privacy", "steps", "checkin", "help"} <= dict(
        scopes["personal"]
    ).keys()


def test_channels_and_group_chats_are_never_offered_the_anonymous_or_personal_commands(
    configured: Path,
) -> None:
    assert main(["teams", "package", "--out", str(configured)]) == 0

    scopes = menus(zipped(configured)[0])
    assert scopes["team"] == scopes["groupChat"]
    shared = dict(scopes["team"])
    assert not shared.keys() & PERSONAL_ONLY
    # Everything else is offered there too, in the same order as in the personal chat.
    assert scopes["team"] == [item for item in scopes["personal"] if item[0] not in PERSONAL_ONLY]
    assert {"steps", "scenario", "checkin", "practice", "help"} <= shared.keys()


async def breathe(turn: Turn) -> Reply:
    """A stand-in handler; the package only reads its declaration."""
    return Reply(summary="Breathe in for four, out for six.")


def test_a_command_added_to_the_registry_is_offered_without_editing_the_manifest(
    tmp_path: Path,
) -> None:
    folder = copy_of_deploy(tmp_path)
    before = (folder / "manifest.json").read_bytes()
    added = CommandSpec(name="breathe", handle=breathe, menu="A minute's breathing", rank=33)
    menu = Registry([*specs(), added]).menu()

    build_package(tmp_path / "out.zip", MANIFEST_PAGES, folder=folder, menu=menu)

    scopes = menus(zipped(tmp_path / "out.zip")[0])
    assert ("breathe", "A minute's breathing") in scopes["personal"]
    assert ("breathe", "A minute's breathing") in scopes["team"]
    assert (folder / "manifest.json").read_bytes() == before


def test_more_menu_commands_than_teams_lists_are_refused_saying_how_many(tmp_path: Path) -> None:
    menu = [(f"command-{n}", f"Command number {n}") for n in range(MENU_LIMIT + 1)]

    with pytest.raises(PackageError, match=f"{MENU_LIMIT + 1} commands have a menu line"):
        build_package(tmp_path / "out.zip", MANIFEST_PAGES, menu=menu)
    assert not (tmp_path / "out.zip").exists()


def test_a_menu_command_too_long_for_teams_is_refused_naming_the_command(tmp_path: Path) -> None:
    long_name = "a-command-name-longer-than-teams-takes"
    menu = [*discover().menu(), (long_name, "Too long a title")]

    with pytest.raises(PackageError, match=rf"title \(command '{long_name}'\)"):
        build_package(tmp_path / "out.zip", MANIFEST_PAGES, menu=menu)


@pytest.mark.parametrize(
    ("variable", "address"),
    [
        ("CRBOT_TEAMS_PRIVACY_URL", "https://crbot.example.org/privacy"),
        ("CRBOT_TEAMS_TERMS_URL", "https://example.com/terms"),
        ("CRBOT_TEAMS_WEBSITE_URL", "https://crbot.example/"),
        ("CRBOT_TEAMS_PRIVACY_URL", "http://wellbeing.stmarys-trust.org.uk/privacy"),
        ("CRBOT_TEAMS_TERMS_URL", "https://localhost:8443/terms"),
        ("CRBOT_TEAMS_WEBSITE_URL", "https://intranet/crbot"),
        ("CRBOT_TEAMS_PRIVACY_URL", "https://10.1.2.3/privacy"),
        ("CRBOT_TEAMS_TERMS_URL", "https://crbot.test/terms"),
        ("CRBOT_TEAMS_WEBSITE_URL", "wellbeing.stmarys-trust.org.uk"),
        ("CRBOT_TEAMS_PRIVACY_URL", "https://wellbeing.stmarys-trust.org.uk:99999/privacy"),
    ],
)
def test_a_placeholder_or_unreachable_page_stops_the_build_with_one_line_naming_it(
    configured: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    address: str,
) -> None:
    monkeypatch.setenv(variable, address)

    assert main(["teams", "package", "--out", str(configured)]) == 2

    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"crbot: package error: {variable}: ")
    assert not configured.exists()


def test_unset_pages_stop_the_build_naming_every_missing_variable_in_one_line(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable in PAGES:
        monkeypatch.delenv(variable)

    assert main(["teams", "package", "--out", str(configured)]) == 2

    error = capsys.readouterr().err
    assert error.count("\n") == 1
    for variable in PAGES:
        assert f"{variable}: not set" in error
    assert not configured.exists()


@pytest.mark.parametrize(
    "address",
    [
        "https://wellbeing.stmarys-trust.org.uk/crbot/privacy",
        "https://www.nhs.uk/privacy#crbot",
        "https://HR.Example-Health.org:8443/terms",
        "https://8.8.8.8/privacy",
    ],
)
def test_a_real_https_page_is_accepted(address: str) -> None:
    assert page_problem(address) is None


def test_without_an_app_id_the_package_keeps_the_manifests_own_bot_id_and_domains(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MicrosoftAppId")
    template = json.loads((DEPLOY / "manifest.json").read_text())

    assert main(["teams", "package", "--out", str(configured)]) == 0

    manifest, _ = zipped(configured)
    assert manifest["bots"][0]["botId"] == template["bots"][0]["botId"]
    assert manifest["validDomains"] == template["validDomains"]
    assert "MicrosoftAppId is not set" in capsys.readouterr().out


def test_a_name_too_long_for_teams_is_refused_naming_the_field(tmp_path: Path) -> None:
    folder = copy_of_deploy(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["name"]["short"] = "x" * 31
    (folder / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(PackageError, match=r"name\.short"):
        build_package(tmp_path / "out.zip", MANIFEST_PAGES, folder=folder)
    assert not (tmp_path / "out.zip").exists()


def test_a_colour_icon_of_the_wrong_size_is_refused_naming_the_file(tmp_path: Path) -> None:
    folder = copy_of_deploy(tmp_path)
    Image.new("RGB", (96, 96), "#4F6D7A").save(folder / "color.png")

    with pytest.raises(PackageError, match=r"color\.png: must be 192x192"):
        build_package(tmp_path / "out.zip", MANIFEST_PAGES, folder=folder)


def test_an_outline_icon_that_is_not_white_on_transparent_is_refused(tmp_path: Path) -> None:
    folder = copy_of_deploy(tmp_path)
    Image.new("RGBA", (32, 32), (0, 0, 0, 255)).save(folder / "outline.png")

    with pytest.raises(PackageError, match="white on transparent"):
        build_package(tmp_path / "out.zip", MANIFEST_PAGES, folder=folder)


def test_a_bad_microsoft_app_id_fails_the_command_with_one_line(
    configured: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", "not-a-guid")

    assert main(["teams", "package", "--out", str(configured)]) == 2
    assert "bots.0.botId" in capsys.readouterr().err
