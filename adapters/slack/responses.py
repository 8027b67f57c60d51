"""Answers through a request's response URL, over the process's one HTTP session.

bolt's `respond` makes a webhook client, and so a connection (a TLS handshake with Slack), for
every call: every click a walkthrough page turns or a check-in is thanked by. This one is the same
`respond`, over the shared session; `OverSession` puts it in each request's context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncBoltRequest, AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.middleware import Middleware, Next


class SessionRespond(AsyncRespond):
    """bolt's `respond`, sending over `session`."""

    def __init__(self, *, response_url: str | None, session: aiohttp.ClientSession) -> None:
        super().__init__(response_url=response_url)
        self._session = session

    async def __call__(  # the parameters of bolt's own, so listeners call it alike
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        """Post a message to the response URL."""
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        client = AsyncWebhookClient(url=self.response_url, session=self._session)
        return await client.send_dict(message)


class OverSession(Middleware):
    """Gives each request a `respond` over the shared session."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def around(self, req: AsyncBoltRequest, next: Next) -> BoltResponse | None:
        """Set the request's `respond`, then go on."""
        url = req.context.response_url
        if url is not None:
            req.context["respond"] = SessionRespond(response_url=url, session=self.session)
        return await next()
