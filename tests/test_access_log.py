"""The web server's access log names paths, never query strings (OAuth codes live there)."""

from __future__ import annotations

import logging

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crbot.web import build_app, serve
from tests.commandline import free_port


async def test_the_oauth_code_never_reaches_the_access_log(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    stop = await serve(build_app(engine, []), "127.0.0.1", port)
    try:
        with caplog.at_level(logging.INFO, logger="crbot.access"):
            async with aiohttp.ClientSession() as session:
                url = f"http://127.0.0.1:{port}/slack/oauth_redirect?code=one-time-c0de&state=s7"
                async with session.get(url) as response:
                    assert response.status == 404
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    assert response.status == 200
    finally:
        await stop()
    lines = [record.getMessage() for record in caplog.records if record.name == "crbot.access"]
    assert any("GET /slack/oauth_redirect 404" in line for line in lines), lines
    assert any("GET /healthz 200" in line for line in lines), lines
    assert not [line for line in lines if "c0de" in line or "s7" in line]
