"""One customer turn: the services, the open transaction, the customer, the language and dialogue state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import callbacks
from bot.conversation import Button, Document, Incoming, Reply, StaffNotice
from bot.texts import text
from nlu.client import NluResult
from runtime.services import Services
from storage.models import Customer


@dataclass
class Turn:
    services: Services
    session: AsyncSession
    customer: Customer
    incoming: Incoming
    language: str
    state: dict[str, Any]
    now: datetime
    nlu: NluResult | None = None
    handler: str | None = None
    notices: list[StaffNotice] = field(default_factory=list)
    remembers: bool = True  # False while Redis is down: this turn's dialogue state will not be kept

    def t(self, key: str, /, **values: object) -> str:
        return text(self.language, key, **values)

    def reply(
        self,
        key: str,
        /,
        *,
        buttons: Sequence[Sequence[Button]] = (),
        document: Document | None = None,
        **values: object,
    ) -> Reply:
        return Reply(self.t(key, **values), tuple(tuple(row) for row in buttons), document)

    def button(self, label_key: str, area: str, *parts: object, **values: object) -> Button:
        return Button(self.t(label_key, **values), callbacks.encode(area, *parts))

    @property
    def flow(self) -> dict[str, Any] | None:
        flow = self.state.get("flow")
        return flow if isinstance(flow, dict) else None

    def start_flow(self, name: str, **slots: Any) -> dict[str, Any]:
        flow: dict[str, Any] = {"name": name, **slots}
        self.state["flow"] = flow
        return flow

    def end_flow(self) -> None:
        self.state.pop("flow", None)
