"""Async client of the Rasa NLU server (`POST /model/parse`) that never fails the conversation.

Usage (one client per process, created at start-up and closed at shutdown)::

    async with NluClient(base_url=settings.nlu.nlu_url, timeout=settings.nlu.nlu_timeout_seconds,
                         threshold=settings.nlu.nlu_confidence_threshold) as client:
        result = await client.parse("我还有多少积分")
        result.intent, result.confidence, result.confident, result.ranking, result.entities,
        result.faq_topic, result.from_fallback_router

(or construct it and `await client.aclose()` at shutdown). `parse` never raises: connections are
pooled, each request has a short timeout and is retried once on a transport error or 5xx, and
after `failure_threshold` failed parses in a row a circuit breaker stops calling the server for
`reset_seconds`. While the server cannot answer, results come from `nlu.keyword_router`
(`from_fallback_router=True`): points, human, complaint and unsubscribe by keyword, else `help`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from nlu import keyword_router

logger = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
FAQ_INTENT = "faq"
PARSE_PATH = "/model/parse"


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    type: str
    value: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class NluResult:
    """What the bot needs from one parse.

    `intent` is Rasa's top intent, or `nlu_fallback` when Rasa's FallbackClassifier fired;
    `confident` is False then, and also when the confidence is under the client's threshold.
    `ranking` holds the best real intents (never `nlu_fallback`) for "did you mean" buttons.
    `faq_topic` is the topic key of the CRM FAQ table (e.g. "shipping_fee") when intent is faq.
    """

    text: str
    intent: str
    confidence: float
    confident: bool
    ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    faq_topic: str | None = None
    from_fallback_router: bool = False

    def entity(self, entity_type: str) -> str | None:
        """The first value of an entity type, if any."""
        return next((e.value for e in self.entities if e.type == entity_type), None)


class CircuitBreaker:
    """Closed -> open after `failure_threshold` failures in a row; one trial call after `reset_seconds`."""

    def __init__(
        self, *, failure_threshold: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._failure_threshold = failure_threshold
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._clock() - self._opened_at >= self._reset_seconds else "open"

    def allows_call(self) -> bool:
        return self.state != "open"

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None

    def record_failure(self) -> None:
        self._failures += 1
        if self.state == "half-open" or self._failures >= self._failure_threshold:
            if self._opened_at is None:
                logger.warning("NLU circuit opened after %d failures", self._failures)
            self._opened_at = self._clock()


class NluClient:
    """See the module docstring."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float = 2.0,
        threshold: float = 0.5,
        retries: int = 1,
        failure_threshold: int = 3,
        reset_seconds: float = 30.0,
        max_connections: int = 20,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._threshold = threshold
        self._retries = retries
        self.breaker = CircuitBreaker(failure_threshold=failure_threshold, reset_seconds=reset_seconds, clock=clock)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def parse(self, text: str) -> NluResult:
        """Classify `text`; falls back to the keyword router instead of raising."""
        if not text.strip() or not self.breaker.allows_call():
            return self.fallback(text)
        payload = await self._post_with_retry(text)
        if payload is None:
            self.breaker.record_failure()
            return self.fallback(text)
        try:
            result = self._result_of(text, payload)
        except (KeyError, TypeError, ValueError):
            logger.warning("NLU server returned an unexpected payload")
            self.breaker.record_failure()
            return self.fallback(text)
        self.breaker.record_success()
        return result

    def fallback(self, text: str) -> NluResult:
        """The keyword router's answer, shaped like a server result."""
        routed = keyword_router.route(text)
        return NluResult(
            text=text,
            intent=routed.intent,
            confidence=1.0 if routed.matched else 0.0,
            confident=True,
            from_fallback_router=True,
        )

    async def _post_with_retry(self, text: str) -> dict[str, Any] | None:
        for attempt in range(self._retries + 1):
            try:
                response = await self._http.post(PARSE_PATH, json={"text": text})
                if response.status_code < 500:
                    response.raise_for_status()
                    body = response.json()
                    return body if isinstance(body, dict) else None
                logger.warning("NLU server answered %d (attempt %d)", response.status_code, attempt + 1)
            except httpx.TimeoutException:
                logger.warning("NLU request timed out (attempt %d)", attempt + 1)
            except httpx.HTTPStatusError as error:
                logger.warning("NLU server refused the request: %d", error.response.status_code)
                return None
            except (httpx.TransportError, ValueError) as error:
                logger.warning("NLU request failed (attempt %d): %s", attempt + 1, type(error).__name__)
        return None

    def _result_of(self, text: str, payload: dict[str, Any]) -> NluResult:
        intent = payload.get("intent") or {}
        name = str(intent.get("name") or FALLBACK_INTENT)
        confidence = float(intent.get("confidence") or 0.0)
        ranking = tuple(
            IntentScore(str(item["name"]), float(item["confidence"]))
            for item in payload.get("intent_ranking") or []
            if item.get("name") != FALLBACK_INTENT
        )
        entities = tuple(
            Entity(type=str(e["entity"]), value=str(e["value"]), start=e.get("start"), end=e.get("end"))
            for e in payload.get("entities") or []
        )
        return NluResult(
            text=text,
            intent=name,
            confidence=confidence,
            confident=name != FALLBACK_INTENT and confidence >= self._threshold,
            ranking=ranking,
            entities=entities,
            faq_topic=_faq_topic(payload) if name == FAQ_INTENT else None,
            from_fallback_router=False,
        )


def _faq_topic(payload: dict[str, Any]) -> str | None:
    """ "shipping_fee" from response_selector.faq.response.intent_response_key "faq/shipping_fee"."""
    selector = (payload.get("response_selector") or {}).get(FAQ_INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    if not isinstance(key, str) or "/" not in key:
        return None
    return key.split("/", 1)[1]
