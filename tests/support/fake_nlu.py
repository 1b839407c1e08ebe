"""A scripted stand-in for the Rasa client in pipeline tests (the end-to-end tests use the real server)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nlu.client import Entity, IntentScore, NluResult


@dataclass
class ScriptedNlu:
    """Answers from a table: text -> (intent, confidence, entities, faq topic); unknown text is a fallback."""

    script: dict[str, tuple[str, float, dict[str, str], str | None]] = field(default_factory=dict)
    threshold: float = 0.5
    ranking_for_unknown: tuple[str, ...] = ("check_points", "membership_info")
    parsed: list[str] = field(default_factory=list)
    closed: bool = False

    def say(
        self, text: str, intent: str, confidence: float = 0.95, faq_topic: str | None = None, **entities: str
    ) -> None:
        self.script[text] = (intent, confidence, entities, faq_topic)

    async def parse(self, text: str) -> NluResult:
        self.parsed.append(text)
        if text not in self.script:
            ranking = tuple(IntentScore(name, 0.3) for name in self.ranking_for_unknown)
            return NluResult(text=text, intent="nlu_fallback", confidence=0.3, confident=False, ranking=ranking)
        intent, confidence, entities, topic = self.script[text]
        return NluResult(
            text=text,
            intent=intent,
            confidence=confidence,
            confident=confidence >= self.threshold,
            ranking=(IntentScore(intent, confidence),),
            entities=tuple(Entity(type=name, value=value) for name, value in entities.items()),
            faq_topic=topic,
        )

    async def aclose(self) -> None:
        self.closed = True
