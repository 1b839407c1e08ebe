"""A clock for code that waits: time moves only when it sleeps, so waits are exact and tests take no time."""

from __future__ import annotations


class FakeClock:
    """Call it for the time; pass `sleep` where the code under test would sleep; `sleeps` records each wait."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
