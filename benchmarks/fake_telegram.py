"""The tests' fake Bot API as a process of its own (so it does not share a CPU-bound event loop with the
senders it measures). Prints its base URL and token, enforces Telegram's flood limits, and on SIGTERM prints
one JSON line: sends accepted, 429s answered, first and last accepted send (monotonic seconds).

    .venv/bin/python -m benchmarks.fake_telegram [--rate 30] [--paid-rate 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

from tests.support.fake_bot_api import FakeBotApi, FloodLimits


async def serve(rate: float, paid_rate: float) -> None:
    async with FakeBotApi() as api:
        api.enforce_flood_limits(FloodLimits(overall_per_second=rate, paid_per_second=paid_rate))
        print(json.dumps({"base_url": api.base_url, "token": api.token}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        accepted = [call for call in api.calls("sendMessage") if call.ok]
        print(
            json.dumps(
                {
                    "accepted": len(accepted),
                    "paid": sum(bool(call.params.get("allow_paid_broadcast")) for call in accepted),
                    "refused_429": api.flood_refusals,
                    "distinct_chats": len({call.params.get("chat_id") for call in accepted}),
                    "first_at": accepted[0].at if accepted else None,
                    "last_at": accepted[-1].at if accepted else None,
                }
            ),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=30)
    parser.add_argument("--paid-rate", type=float, default=1000)
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.rate, arguments.paid_rate))


if __name__ == "__main__":
    main()
