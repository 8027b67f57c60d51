"""Odd and hostile requests to the console get a 4xx page, never a 500 or a change."""

from __future__ import annotations

import pytest

from tests.console.site import ConsoleSite, browser_client, forms, plan_two_sections, sign_in

STRANGE = [
    "",
    "0",
    "-1",
    "99",
    "abc",
    "\uff11",
    "²",
    "9" * 40,
    "1; DROP TABLE rollouts",
    "\u0000",
    "é" * 300,
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/console/signin", b""),
        ("POST", "/console/signin", b"\xff\xfe not a form"),
        ("POST", "/console/signin", b"token=" + b"x" * 5000 + b"&check="),
        ("GET", "/console/signin?token=" + "x" * 5000, b""),
        ("GET", "/console/signin?token=%00%ff", b""),
        ("POST", "/console/signout", b"csrf=x"),
        ("GET", "/console/programme/abc123/skip?section=2", b""),
        ("POST", "/console/programme/abc123/skip", b"section=2"),
        ("GET", "/console/trend", b""),
    ],
)
async def test_a_stranger_gets_a_kind_refusal(
    site: ConsoleSite, method: str, path: str, body: bytes
) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with (
        browser_client() as client,
        client.request(method, site.url + path, data=body, headers=headers) as answer,
    ):
        assert 400 <= answer.status < 500


async def test_a_signed_in_facilitator_sending_nonsense_changes_nothing(site: ConsoleSite) -> None:
    await plan_two_sections(site)
    store = site.core.services.rollouts.store
    (before,) = await store.listing(site.chat.tenant)
    async with browser_client() as client:
        csrf = forms(await sign_in(client, site, await site.link()))[0].fields["csrf"]
        base = f"{site.url}/console/programme/{before.id}"
        for action in ("skip", "unskip", "move", "plan", "resume", "explode"):
            for section in STRANGE:
                fields = {"csrf": csrf, "section": section, "date": section, "time": section}
                async with client.post(f"{base}/{action}", data=fields) as answer:
                    assert 400 <= answer.status < 500 or answer.status == 200, (action, section)
                async with client.get(f"{base}/{action}", params={"section": section}) as asked:
                    assert asked.status in (200, 404), (action, section)
    (after,) = await store.listing(site.chat.tenant)
    assert after.circles == before.circles and after.status == "active"
