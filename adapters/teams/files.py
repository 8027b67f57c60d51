"""Files for one person in Teams: a consent card first, then the upload to their OneDrive.

A bot cannot simply attach a file in Teams. In a personal chat it offers the file with a file
consent card; when the person accepts, Teams hands the bot an upload URL in their OneDrive, the
bot puts the bytes there, and posts a file info card that opens it. Channels and group chats have
no such flow, so their cards only name the file.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
from botbuilder.schema import Activity, ActivityTypes, Attachment
from botbuilder.schema.teams import FileConsentCardResponse

from bot.messages import File, Reply

log = logging.getLogger(__name__)

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)


def offers(reply: Reply) -> list[Attachment]:
    """A consent card for each file the reply carries (personal chats only)."""
    found: list[Attachment] = []
    for block in reply.blocks:
        if not isinstance(block, File):
            continue
        path = Path(block.path)
        if not path.is_file():
            log.warning("an offered file is missing", extra={"platform": "teams"})
            continue
        context = {"path": str(path), "filename": block.filename}
        found.append(
            Attachment(
                content_type=CONSENT_CARD,
                name=block.filename,
                content={
                    "description": block.title,
                    "sizeInBytes": path.stat().st_size,
                    "acceptContext": context,
                    "declineContext": context,
                },
            )
        )
    return found


def offered_path(response: FileConsentCardResponse, folder: Path | None) -> Path | None:
    """The file an accepted card offered, only if it lies in the folder the bot writes files to.

    The context comes back from Teams; checking it keeps the bot from ever reading anything else.
    """
    context = response.context if isinstance(response.context, dict) else {}
    named = context.get("path")
    if folder is None or not isinstance(named, str):
        return None
    path = Path(named).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        return None
    return path


async def upload(
    response: FileConsentCardResponse, path: Path, session: aiohttp.ClientSession
) -> Activity | None:
    """Put the file at the upload URL Teams gave, over `session`; the file info card to post,
    or None."""
    info = response.upload_info
    if info is None or not info.upload_url:
        return None
    content = await asyncio.to_thread(path.read_bytes)
    headers = {"Content-Range": f"bytes 0-{max(len(content) - 1, 0)}/{len(content)}"}
    try:
        put = session.put(info.upload_url, data=content, headers=headers, timeout=UPLOAD_TIMEOUT)
        async with put as answer:
            if answer.status >= 300:
                refused = {"platform": "teams", "status": answer.status}
                log.warning("teams file upload refused", extra=refused)
                return None
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning(
            "teams file upload failed",
            extra={"platform": "teams", "status": type(error).__name__},
        )
        return None
    card = Attachment(
        content_type=INFO_CARD,
        content_url=info.content_url,
        name=info.name,
        content={"uniqueId": info.unique_id, "fileType": info.file_type},
    )
    return Activity(type=ActivityTypes.message, attachments=[card])
