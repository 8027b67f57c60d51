"""The registered platforms are the one place their names and limits come from."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.slack.platform import PLATFORM as SLACK
from adapters.teams.platform import PLATFORM as TEAMS
from bot import metrics
from crbot import rollout_cli
from crbot.platform_registry import REGISTERED, platform_names
from scheduler import limiter
from scheduler.limiter import Limits

ROOT = Path(__file__).resolve().parent.parent
# Modules that once listed the platforms by hand.
TOLD_THE_NAMES = ("bot/metrics.py", "crbot/rollout_cli.py", "scheduler/limiter.py")
TOLD_THE_NAMES += ("crbot/platforms.py", "crbot/runtime.py", "crbot/doctor.py")
TOLD_THE_NAMES += ("crbot/checks/configuration.py",)


def test_the_metrics_label_the_registered_platforms_and_call_the_rest_other() -> None:
    assert set(platform_names()) == metrics.PLATFORMS
    assert metrics.platform_of("slack:T1") == "slack"
    assert metrics.platform_of("irc:#ward") == metrics.OTHER


def test_the_scheduler_paces_each_platform_as_its_adapter_says() -> None:
    assert {
        "slack": Limits(channel=SLACK.channel_rate, workspace=SLACK.workspace_rate),
        "teams": Limits(channel=TEAMS.channel_rate, workspace=TEAMS.workspace_rate),
    } == limiter.PLATFORM_LIMITS


def test_the_rollout_cli_offers_every_registered_platform() -> None:
    assert tuple(platform.name for platform in REGISTERED) == rollout_cli.PLATFORMS
    assert {"slack", "teams", "shell"} <= set(rollout_cli.PLATFORMS)


def test_no_module_told_the_names_writes_a_platform_name_itself() -> None:
    for path in TOLD_THE_NAMES:
        source = (ROOT / path).read_text(encoding="utf-8")
        for platform in platform_names():
            assert not re.search(rf"[\"']{platform}[\"']", source), (path, platform)
