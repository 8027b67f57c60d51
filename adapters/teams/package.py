"""The Teams app package: manifest.json plus its two icons, checked, in one installable zip."""

from __future__ import annotations

import io
import json
import math
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "teams"
GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
SEMVER = r"^\d+\.\d+\.\d+$"
COLOR_SIZE = (192, 192)
OUTLINE_SIZE = (32, 32)
ACCENT = "#4F6D7A"

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
        raise PackageError(f"manifest.json: {where}: {first['msg']}") from None
    for name, size, outline in (
        (checked.icons.color, COLOR_SIZE, False),
        (checked.icons.outline, OUTLINE_SIZE, True),
    ):
        if name not in files:
            raise PackageError(f"{name}: icon file missing")
        _check_icon(name, files[name], size, outline=outline)
    return checked


def build_package(out: Path, bot_id: str | None = None, folder: Path = DEPLOY) -> Manifest:
    """Write the installable zip to `out`, with `bot_id` (the Microsoft app id) filled in."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise PackageError(f"manifest.json: {error}") from None
    if bot_id:
        for bot in manifest.get("bots", []):
            bot["botId"] = bot_id
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


def main(out: Path, bot_id: str | None, say: Callable[[str], None]) -> int:
    """`crbot teams package`: write the zip, or explain in one line what is wrong."""
    try:
        checked = build_package(out, bot_id)
    except PackageError as error:
        sys.stderr.write(f"crbot: package error: {error}\n")
        return 2
    bot = checked.bots[0].botId if checked.bots else "(no bot)"
    say(f"wrote {out} ({checked.name.short} {checked.version}, bot {bot})")
    if not bot_id:
        say("MicrosoftAppId is not set: the package carries the manifest's own botId")
    return 0
