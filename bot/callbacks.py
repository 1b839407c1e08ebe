"""Callback data: short, versioned, validated — `v1:<area>:<part>:<part>…`, at most 64 bytes.

Nothing in callback data is trusted: handlers re-check everything it names against the CRM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "v1"
PART = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")


@dataclass(frozen=True)
class Callback:
    area: str
    parts: tuple[str, ...]

    def part(self, index: int) -> str | None:
        return self.parts[index] if index < len(self.parts) else None


def encode(area: str, *parts: object) -> str:
    data = ":".join([VERSION, area, *(str(part) for part in parts)])
    if len(data.encode()) > 64:
        raise ValueError("callback data longer than 64 bytes")
    return data


def decode(data: str | None) -> Callback | None:
    """The parsed callback, or None when it is malformed, from another version, or forged."""
    if not data or len(data.encode()) > 64:
        return None
    version, *rest = data.split(":")
    if version != VERSION or not rest or not all(PART.match(part) for part in rest):
        return None
    return Callback(area=rest[0], parts=tuple(rest[1:]))
