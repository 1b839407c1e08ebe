"""Logging for every process: one format, noisy libraries quieted, exceptions redacted by default.

An exception's message may quote a customer (a database error echoes its parameters, a validation
error the value it refused), so unexpected failures are logged with their type and stack only.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

OptionalExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def redacted_traceback(error: BaseException) -> str:
    """The stack of `error` and of the exceptions it was raised from, with every message withheld."""
    parts: list[str] = []
    current: BaseException | None = error
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(
            "".join(traceback.format_tb(current.__traceback__)) + f"{type(current).__name__} (message withheld)"
        )
        current = current.__cause__ or current.__context__
    return "\n-- raised while handling --\n".join(reversed(parts))


class RedactingFormatter(logging.Formatter):
    """Formats `logger.exception(...)` anywhere with the redacted traceback instead of the full one."""

    def formatException(self, ei: OptionalExcInfo) -> str:
        error = ei[1]
        return redacted_traceback(error) if error is not None else ""


def configure_logging(*, verbose: bool = False) -> None:
    """The root handler for a process; httpx is kept at WARNING because its URLs contain the bot token."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def log_unexpected(logger: logging.Logger, error: BaseException, *, what: str) -> None:
    """The one way an edge logs a failure nobody expected: what failed, the error's type, the redacted stack."""
    logger.error("%s failed with %s\n%s", what, type(error).__name__, redacted_traceback(error))
