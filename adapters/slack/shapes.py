"""The shapes of what Slack sends, checked before bolt or a listener reads a field.

Bolt reads fields as Slack documents them (`body["event"]["type"]`, `"id" in body["user"]`,
`body["actions"][0]["action_id"]`); a number where Slack sends a string, or a view with no type,
raises inside it. These models name the type of every field that bolt or the listeners read,
wherever it is nested, and leave all other fields alone (`extra="allow"`, not validated), so
checking a body costs microseconds. `problem()` says what is wrong with a body, or None.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    model_validator,
)

T = TypeVar("T")

# What Slack posts to the request URL, by `type` (interactions and the Events API's envelope).
# Slash commands and SSL checks are forms without a type.
KINDS = frozenset(
    {
        "event_callback",
        "url_verification",
        "app_rate_limited",
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    }
)
# Kinds that bolt routes by the payload's own callback id.
_BY_CALLBACK = frozenset(
    {
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    }
)


def _not_null(value: T | None) -> T:
    # Only an explicit null reaches here: an absent field keeps its default unvalidated.
    if value is None:
        raise ValueError("null where Slack sends an object")
    return value


# A field that may be absent but is never null (bolt tests `"type" in body["event"]`).
Present = Annotated[T | None, AfterValidator(_not_null)]


class _Shape(BaseModel):
    # strict: a number is not a string; extra fields are kept and not looked at.
    model_config = ConfigDict(extra="allow", strict=True)


class Named(_Shape):
    """A team, user, channel or enterprise as an object: bolt and the listeners read its id."""

    id: str | None = None
    team_id: str | None = None
    username: str | None = None
    name: str | None = None


Ref = str | Named | None


class Part(_Shape):
    """Any object bolt looks into for ids: the body, an event, a message, an authorization."""

    type: str | None = None
    user: Ref = None
    team: Ref = None
    channel: Ref = None
    enterprise: Ref = None
    user_id: str | None = None
    team_id: str | None = None
    channel_id: str | None = None
    enterprise_id: str | None = None
    user_team: str | None = None
    thread_ts: str | None = None
    function_execution_id: str | None = None
    bot_access_token: str | None = None
    is_enterprise_install: bool | str | None = None  # "true" in a form, true in JSON
    authorizations: Present[list[Part]] = None
    event: Present[Part] = None
    message: Present[Part] = None
    previous_message: Present[Part] = None
    item: Present[Part] = None
    assistant_thread: Present[Part] = None
    view: Present[View] = None
    function_data: Present[dict[str, Any]] = None


class View(_Shape):
    """A modal or the Home tab."""

    id: str | None = None
    type: str | None = None
    callback_id: str | None = None
    private_metadata: str | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None
    state: Present[dict[str, Any]] = None


class Action(_Shape):
    """One element of `actions`."""

    action_id: str | None = None
    block_id: str | None = None
    value: str | None = None


class Container(_Shape):
    """Where a click happened."""

    channel_id: str | None = None
    message_ts: str | None = None
    is_ephemeral: bool | None = None


class ResponseUrl(_Shape):
    """One of a modal's `response_urls`."""

    response_url: str | None = None


Part.model_rebuild()  # Part names View, defined after it


class Event(Part):
    """An Events API event: bolt routes it by type."""

    type: str
    channel_type: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    ts: str | None = None
    text: str | None = None
    tab: str | None = None
    tokens: Present[dict[str, Any]] = None


class Body(Part):
    """A whole request body. At the top the user, team and channel are objects, as Slack sends
    them, because the listeners read their ids."""

    user: Present[Named] = None
    team: Named | None = None
    channel: Present[Named] = None
    event: Present[Event] = None
    command: str | None = None
    text: str | None = None
    trigger_id: str | None = None
    event_id: str | None = None
    callback_id: str | None = None
    action_id: str | None = None
    response_url: str | None = None
    challenge: str | None = None
    ssl_check: str | None = None
    token: str | None = None
    actions: Present[list[Action]] = None
    container: Present[Container] = None
    response_urls: Present[list[ResponseUrl]] = None
    workflow_step: Present[dict[str, Any]] = None

    @model_validator(mode="after")
    def _routable(self) -> Body:
        """What bolt needs to route each kind: without it, it raises rather than match."""
        kind = self.type
        if self.command is not None or self.ssl_check is not None:
            return self
        if kind not in KINDS:
            raise ValueError("no kind Slack sends")
        if kind == "event_callback" and self.event is None:
            raise ValueError("an event callback without its event")
        if kind == "url_verification" and self.challenge is None:
            raise ValueError("a URL verification without its challenge")
        if kind == "block_actions":
            if not self.actions or any(a.action_id is None for a in self.actions):
                raise ValueError("block actions without action ids")
            if self.trigger_id is None:
                raise ValueError("block actions without a trigger id")
        if kind in ("view_submission", "view_closed") and (
            self.view is None or self.view.type is None or self.view.callback_id is None
        ):
            raise ValueError("a view without its type or callback id")
        if kind == "block_suggestion" and self.action_id is None:
            raise ValueError("a suggestion request without its action id")
        if kind in _BY_CALLBACK and self.callback_id is None:
            raise ValueError("an interaction without its callback id")
        stepped = kind == "workflow_step_edit" or (
            kind == "view_submission"
            and self.view is not None
            and self.view.type == "workflow_step"
        )
        if stepped and self.workflow_step is None:
            raise ValueError("a workflow step without its step")
        return self


def _takes_text(annotation: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python("text", strict=True)
    except ValidationError:
        return False
    return True


# The fields of a body that may never be text; a slash command's form holds only text.
_NOT_TEXT = frozenset(
    name for name, field in Body.model_fields.items() if not _takes_text(field.annotation)
)

_JSON_NAMES = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
}


def problem(body: object) -> str | None:
    """What is wrong with a parsed body, as field names only (never a value), or None."""
    if not isinstance(body, dict):
        return f"{_JSON_NAMES.get(type(body), 'a value')}, not an object"
    if "command" in body and _NOT_TEXT.isdisjoint(body) and _all_text(body):
        # The model would say the same (a command needs nothing more), for a tenth of the cost:
        # this is every slash command's path.
        return None
    try:
        Body.model_validate(body)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False, include_context=False)[0]
        # Only the top-level field: deeper locations may hold the sender's own keys. Pydantic's
        # messages name the expected type, never the value.
        where = str(first["loc"][0]) if first["loc"] else "body"
        return f"{where}: {first['msg'].removeprefix('Value error, ')}"
    except RecursionError:
        return "nested too deep"
    return None


def _all_text(body: dict[str, Any]) -> bool:
    return all(type(value) is str for value in body.values())
