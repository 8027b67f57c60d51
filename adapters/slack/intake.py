"""Slack's HTTP requests, verified before anything reads them, then parsed with care.

Bolt builds its request (parsing the body and reading ids out of it) before its own signature
check runs, so a body crafted to break the parsing reached bolt unsigned. Here the signature is
checked first, with slack-sdk's `SignatureVerifier`, on the bytes as they came; bolt's own check
is turned off, so each request is verified once. Only then is the body parsed (as Slack sends
it: JSON for events, a form for commands, a form holding `payload=` JSON for interactions) and
its shape checked (`shapes.problem`). An unsigned request is a 401; a signed one that is not what
Slack sends is a 400; neither reaches bolt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.observability import request_id_of
from adapters.slack.port import tenant_of
from adapters.slack.shapes import problem

Json = dict[str, Any]

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Slack's timestamps are Unix seconds; anything longer is not one (and `int()` of thousands of
# digits is refused by Python itself).
MAX_STAMP_DIGITS = 12


class Refused(Exception):
    """A request the bot will not pass on: its status, a reason of fixed words, and ids."""

    def __init__(self, status: int, reason: str, ids: Mapping[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.ids = dict(ids or {})


class Intake:
    """Verify, parse and shape-check one request, or refuse it."""

    def __init__(self, signing_secret: str) -> None:
        self.verifier = SignatureVerifier(signing_secret)

    def admit(self, raw: bytes, headers: Mapping[str, str], query: str) -> AsyncBoltRequest:
        """The bolt request for a signed, well-formed body; raises `Refused` otherwise."""
        text = self.verified(raw, headers)
        body = parsed(text, headers.get("Content-Type") or "")
        wrong = problem(body)
        if wrong is not None or not isinstance(body, dict):
            raise Refused(400, wrong or "not an object", ids_of(body))
        return bolt_request(text, body, headers, query)

    def verified(self, raw: bytes, headers: Mapping[str, str]) -> str:
        """The body as text, if Slack signed it within the last five minutes."""
        stamp = headers.get("X-Slack-Request-Timestamp") or ""
        signature = headers.get("X-Slack-Signature") or ""
        # The verifier takes the timestamp with int() (which also reads " 1_0" and other digits
        # than ASCII) and compares signatures with hmac.compare_digest (which raises on text
        # that is not ASCII): both are refused here first.
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= MAX_STAMP_DIGITS):
            raise Refused(401, "no timestamp of Slack's")
        if not signature.isascii():
            raise Refused(401, "signature not valid")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            # Slack signs UTF-8 text; other bytes cannot carry its signature.
            raise Refused(401, "signature not valid") from None
        if not self.verifier.is_valid(text, stamp, signature):
            raise Refused(401, "signature not valid")
        return text


def parsed(text: str, content_type: str) -> object:
    """The body as Slack encodes it for its content type (any JSON value: shapes checks it)."""
    media = content_type.partition(";")[0].strip().lower()
    try:
        if media == JSON:
            return json.loads(text)
        if media == FORM:
            fields = dict(parse_qsl(text, keep_blank_values=True))
            # Only the field itself marks an interaction: bolt looks for the word anywhere in
            # the body, so a command whose text or channel name says "payload" lost its fields.
            return json.loads(fields["payload"]) if "payload" in fields else fields
    except (ValueError, RecursionError):  # not JSON, or nested past what Python will parse
        raise Refused(400, "body not readable as its content type") from None
    raise Refused(400, "a content type Slack does not send")


def ids_of(body: object) -> dict[str, str]:
    """Slack's ids for a refused body, for the log line (ids only, and only strings)."""
    if not isinstance(body, dict):
        return {}
    ids: dict[str, str] = {}
    request_id = request_id_of(body)
    if request_id is not None:
        ids["request_id"] = request_id
    team = body.get("team_id")
    if isinstance(team, str) and team:
        ids["tenant"] = tenant_of(team)
    return ids


def bolt_request(raw: str, body: Json, headers: Mapping[str, str], query: str) -> AsyncBoltRequest:
    """Bolt's request for a body parsed here, so bolt does not parse it a second time (or the
    wrong way, as above)."""
    # Bolt's constructor takes a parsed body only in Socket Mode; this one came over HTTP.
    request = AsyncBoltRequest(
        body=body,
        query=query,
        headers=headers,  # type: ignore[arg-type]  # aiohttp's headers: a mapping of text
        mode="socket_mode",
    )
    request.mode, request.raw_body = "http", raw
    return request
