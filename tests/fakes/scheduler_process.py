"""A bot process running only the scheduler, posting to a fake platform (for crash tests).

Usage: python -m tests.fakes.scheduler_process FAKE_URL [LEASE_SECONDS] (database and data dir
from the environment, as for `crbot run`; a short lease lets a restart take over sooner).
"""

from __future__ import annotations

import asyncio
import signal
import sys

from bot.settings import load_settings
from crbot import logs, runtime
from scheduler import service
from scheduler.leader import LEASE_SECONDS
from scheduler.limiter import Limiter
from tests.fakes.chat_platform import HttpPort


async def main(url: str, lease_seconds: float) -> None:
    settings = load_settings()
    logs.configure("INFO", "text")
    bot = await runtime.start(settings)
    port = HttpPort(url)
    scheduling = service.build(
        bot.core.services,
        bot.engine,
        settings.resolved_database_url,
        {"fake": port},
        limiter=Limiter({}),
        lease_seconds=lease_seconds,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await scheduling.start()
    await stop.wait()
    await scheduling.stop()
    await port.close()
    await bot.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else LEASE_SECONDS))
