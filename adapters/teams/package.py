"""The Teams app package: manifest.json plus its two icons, checked, in one installable zip.

`deploy/teams/manifest.json` holds what never changes between installations. The build adds what
does: the bot's Microsoft app id, the publisher's pages (from settings) and the command menus (from
the command registry, so a command declared with a `menu` line is offered without editing the file).
"""

from __future__ import annotations

import io
import ipaddress
import json
import math
import re
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.handlers import discover
from bot.settings import Settings, variable_name

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "teams"
GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SEMVER = r"^\d+\.\d+\.\d+$"
COLOR_SIZE = (192, 192)
OUTLINE_SIZE = (32, 32)
ACCENT = "#4F6D7A"
# Teams shows at most this many commands in one list, and a scope belongs to one list only.
MENU_LIMIT = 10
# Typed in a channel or group chat, a command's words are a post everyone there reads under the
# person's name: an anonymous question or suggestion, or what the bot holds about someone, belongs
# in the personal chat, so the shared menus never offer these.
PERSONAL_ONLY = frozenset({"ask", "suggest", "privacy"})
SHARED_SCOPES = ("team", "groupChat")
# Host names kept for examples, tests and local networks (RFC 2606, RFC 6761): never a real page.
RESERVED_HOSTS = ("example", "example.com", "example.net", "example.org", "invalid", "test")
LOCAL_HOSTS = ("localhost", "local", "internal", "lan", "home.arpa")

Https = Annotated[str, Field(pattern=r"^https://\S+$", max_length=2048)]


class _Part(BaseModel):
    # Field names are the manifest's own (camelCase), so a model reads like the file.
    # Teams accepts many more fields; only the ones it requires are checked here.
    model_config = ConfigDict(extra="allow")


class Developer(_Part):
    """Who publishes the app."""

    name: str = Field(min_length=1, max_length=32)
    websiteUrl: Https
    privacyUrl: Https
    termsOfUseUrl: Https


class Name(_Part):
    """The app's name."""

    short: str = Field(min_length=1, max_length=30)
    full: str | None = Field(default=None, max_length=100)


class Description(_Part):
    """What the app does."""

    short: str = Field(min_length=1, max_length=80)
    full: str = Field(min_length=1, max_length=4000)


class Icons(_Part):
    """The icon files, inside the package."""

    color: str
    outline: str


class Command(_Part):
    """A command the bot lists in the compose box."""

    title: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=1, max_length=128)


class CommandList(_Part):
    """Commands offered in some scopes."""

    scopes: list[Literal["personal", "team", "groupChat", "copilot"]] = Field(min_length=1)
    commands: list[Command] = Field(min_length=1, max_length=10)


class BotEntry(_Part):
    """The bot: its Microsoft app id, where it may be installed, and its commands."""

    botId: str = Field(pattern=GUID)
    scopes: list[Literal["personal", "team", "groupChat", "copilot"]] = Field(min_length=1)
    commandLists: list[CommandList] = Field(default_factory=list, max_length=3)


class Manifest(_Part):
    """The fields of manifest.json that Teams requires (schema 1.19)."""

    manifestVersion: str
    version: str = Field(pattern=SEMVER)
    id: str = Field(pattern=GUID)
    developer: Developer
    name: Name
    description: Description
    icons: Icons
    accentColor: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    bots: list[BotEntry] = Field(default_factory=list, max_length=1)
    validDomains: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("icons")
    @classmethod
    def _png(cls, icons: Icons) -> Icons:
        for name in (icons.color, icons.outline):
            if not name.lower().endswith(".png") or "/" in name:
                raise ValueError(f"{name}: icons are PNG files beside manifest.json")
        return icons


class PackageError(Exception):
    """A manifest or icon Teams would refuse; the message names the field or file."""


def _check_icon(name: str, data: bytes, size: tuple[int, int], *, outline: bool) -> None:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as error:
        raise PackageError(f"{name}: not a readable image ({error})") from None
    if image.format != "PNG":
        raise PackageError(f"{name}: must be a PNG, is {image.format}")
    if image.size != size:
        raise PackageError(f"{name}: must be {size[0]}x{size[1]} pixels, is {image.size}")
    if outline:
        rgba = image.convert("RGBA")
        colors = rgba.getcolors(maxcolors=size[0] * size[1]) or []
        for _, pixel in colors:
            r, g, b, a = pixel if isinstance(pixel, tuple) else (pixel, pixel, pixel, 255)
            if a and (r, g, b) != (255, 255, 255):
                raise PackageError(f"{name}: the outline icon must be white on transparent")


def validate(manifest: dict[str, Any], files: dict[str, bytes]) -> Manifest:
    """The manifest, checked with its icons; raises PackageError naming the first fault."""
    try:
        checked = Manifest.model_validate(manifest)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "manifest"
        command = _command_at(manifest, first["loc"])
        named = f" (command {command!r})" if command else ""
        raise PackageError(f"manifest.json: {where}{named}: {first['msg']}") from None
    for name, size, outline in (
        (checked.icons.color, COLOR_SIZE, False),
        (checked.icons.outline, OUTLINE_SIZE, True),
    ):
        if name not in files:
            raise PackageError(f"{name}: icon file missing")
        _check_icon(name, files[name], size, outline=outline)
    return checked


def _command_at(manifest: dict[str, Any], loc: tuple[int | str, ...]) -> str | None:
    # The menus come from the registry, so a fault in one reads better with the command's name
    # than with two list indexes.
    if "commands" not in loc:
        return None
    node: Any = manifest
    try:
        for part in loc[: loc.index("commands") + 2]:
            node = node[part]
        title = node["title"]
    except (LookupError, TypeError):
        return None
    return title if isinstance(title, str) else None


def page_problem(address: str) -> str | None:
    """Why `address` is not a page people can open from Teams (https, a real host), or None."""
    try:
        parts = urlsplit(address)
        host = (parts.hostname or "").rstrip(".").lower()
        _ = parts.port  # reading it checks it: a port past 65535 raises ValueError
    except ValueError:
        return "not a web address"
    if parts.scheme != "https" or any(char.isspace() for char in address):
        return "not an https:// address"
    if not host:
        return "no host name"
    try:
        if not ipaddress.ip_address(host).is_global:
            return f"{host} is a private address, which people outside your network cannot open"
    except ValueError:
        pass
    if _under(host, RESERVED_HOSTS):
        return f"{host} is a placeholder"
    if "." not in host or _under(host, LOCAL_HOSTS):
        return f"{host} is a local name, which people outside your network cannot open"
    return None


def _under(host: str, domains: Sequence[str]) -> bool:
    return any(host == domain or host.endswith(f".{domain}") for domain in domains)


def developer_pages(settings: Settings) -> dict[str, str]:
    """The manifest's three developer pages from settings; PackageError naming each bad variable."""
    wanted = (
        ("websiteUrl", "teams_website_url", settings.teams_website_url, "your website"),
        ("privacyUrl", "teams_privacy_url", settings.teams_privacy_url, "your privacy statement"),
        ("termsOfUseUrl", "teams_terms_url", settings.teams_terms_url, "your terms of use"),
    )
    pages: dict[str, str] = {}
    problems: list[str] = []
    for field, setting, address, page in wanted:
        problem = "not set" if address is None else page_problem(address)
        if problem is None and address is not None:
            pages[field] = address
        else:
            problems.append(f"{variable_name(setting)}: {problem} (the https:// address of {page})")
    if problems:
        raise PackageError("; ".join(problems))
    return pages


def command_lists(menu: Sequence[tuple[str, str]], scopes: Sequence[str]) -> list[dict[str, Any]]:
    """The bot's command menus: every menu command in the personal chat, the shareable ones in
    teams and group chats, in the registry's order."""
    if len(menu) > MENU_LIMIT:
        raise PackageError(
            f"{len(menu)} commands have a menu line and Teams lists at most {MENU_LIMIT}: "
            "drop the menu line of the least used"
        )
    commands = [{"title": name, "description": line} for name, line in menu]
    shared = [command for command in commands if command["title"] not in PERSONAL_ONLY]
    shared_scopes = [scope for scope in SHARED_SCOPES if scope in scopes]
    lists = [{"scopes": ["personal"], "commands": commands}] if "personal" in scopes else []
    if shared and shared_scopes:
        lists.append({"scopes": shared_scopes, "commands": shared})
    return lists


def build_package(
    out: Path,
    pages: Mapping[str, str],
    bot_id: str | None = None,
    folder: Path = DEPLOY,
    menu: Sequence[tuple[str, str]] | None = None,
) -> Manifest:
    """Write the installable zip to `out`: the manifest with the publisher's `pages`, `bot_id`
    (the Microsoft app id) and the command menus (`menu`, the registry's by default) filled in."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise PackageError(f"manifest.json: {error}") from None
    if isinstance(manifest.get("developer"), dict):
        manifest["developer"].update(pages)
    menu = discover().menu() if menu is None else menu
    for bot in manifest.get("bots", []):
        if bot_id:
            bot["botId"] = bot_id
        bot["commandLists"] = command_lists(menu, bot.get("scopes") or [])
    icons = manifest.get("icons") or {}
    files = {}
    for name in (icons.get("color"), icons.get("outline")):
        if isinstance(name, str) and re.fullmatch(r"[\w.-]+", name) and (folder / name).is_file():
            files[name] = (folder / name).read_bytes()
    checked = validate(manifest, files)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        for name, data in files.items():
            archive.writestr(name, data)
    return checked


def draw_icons(folder: Path = DEPLOY) -> None:
    """Draw the two icons (run once; the PNGs are committed): a heart, the toolkit's care."""

    def heart(draw: ImageDraw.ImageDraw, scale: float, fill: str) -> None:
        # The classic parametric heart, fitted into the middle 70% of the square.
        points = []
        for step in range(240):
            t = 2 * math.pi * step / 240
            x = 16 * math.sin(t) ** 3
            y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            points.append((scale * (0.5 + x / 46), scale * (0.47 - y / 46)))
        draw.polygon(points, fill=fill)

    color = Image.new("RGBA", COLOR_SIZE, ACCENT)
    heart(ImageDraw.Draw(color), COLOR_SIZE[0], "#FFFFFF")
    color.convert("RGB").save(folder / "color.png", optimize=True)
    outline = Image.new("RGBA", OUTLINE_SIZE, (255, 255, 255, 0))
    heart(ImageDraw.Draw(outline), OUTLINE_SIZE[0], "#FFFFFF")
    outline.save(folder / "outline.png", optimize=True)


def main(out: Path, settings: Settings, say: Callable[[str], None]) -> int:
    """`crbot teams package`: write the zip, or explain in one line what is wrong."""
    bot_id = settings.microsoft_app_id
    try:
        checked = build_package(out, developer_pages(settings), bot_id)
    except PackageError as error:
        sys.stderr.write(f"crbot: package error: {error}\n")
        return 2
    bot = checked.bots[0].botId if checked.bots else "(no bot)"
    say(f"wrote {out} ({checked.name.short} {checked.version}, bot {bot})")
    if not bot_id:
        say("MicrosoftAppId is not set: the package carries the manifest's own botId")
    return 0
