"""The App Home tab: the core's home content for the person, published when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.listeners import Handler, logged
from adapters.slack.port import SlackPort, calling, tenant_of
from adapters.slack.views import home_view
from bot.messages import Person

Json = dict[str, Any]


class Home:
    """Publishes each person's Home tab from `core.home`."""

    def __init__(self, core: Handler, port: SlackPort) -> None:
        self.core = core
        self.port = port

    def register(self, app: AsyncApp) -> None:
        """Listen for the tab being opened."""
        app.event("app_home_opened")(self.opened)

    async def opened(self, body: Json, event: Json, client: AsyncWebClient) -> None:
        """The Home tab was opened (the Messages tab needs nothing)."""
        if event.get("tab", "home") != "home":
            return
        async with logged("app_home_opened", body):
            tenant = tenant_of(str(body.get("team_id") or ""))
            person = Person(tenant=tenant, user_id=str(event.get("user")))
            view, forms = home_view(await self.core.home(person))
            await self.port.records.keep_forms(tenant, forms)
            async with calling("views.publish", tenant):
                await client.views_publish(user_id=person.user_id, view=view)
