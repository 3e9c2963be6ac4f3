"""The in-memory index the router and the query API read: filters and ranked search.

Lookups by id, skill and tag are dictionary hits; text search is BM25
(`orchestrator.ranking`) over each agent's card: name, description, and its
skills' names, descriptions, tags and examples. The index is rebuilt from
the state store at start-up and kept current as registrations arrive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from chassis.card import HubspokeCard
from orchestrator.ranking import Bm25Index

__all__ = ["Catalog", "Entry", "card_text"]


@dataclass(frozen=True)
class Entry:
    app_id: str
    card: HubspokeCard
    version: Version | None
    skills: frozenset[str]
    tags: frozenset[str]


def card_text(card: HubspokeCard) -> str:
    """The words a card is found by."""
    parts = [card.card.name, card.card.description]
    for skill in card.card.skills:
        # Tags and skill names say most about a skill: count them twice.
        emphasis = " ".join([skill.id, skill.name, *skill.tags])
        parts += [emphasis, emphasis, skill.description, *skill.examples]
    return " ".join(parts)


class Catalog:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._by_skill: dict[str, set[str]] = defaultdict(set)
        self._by_tag: dict[str, set[str]] = defaultdict(set)
        self._text = Bm25Index()
        # Bumped on every change: lets readers cache what they derive from the catalog.
        self.version = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, app_id: object) -> bool:
        return app_id in self._entries

    def get(self, app_id: str) -> Entry | None:
        return self._entries.get(app_id)

    def ids(self) -> list[str]:
        return sorted(self._entries)

    def put(self, card: HubspokeCard) -> None:
        """Add or replace the agent described by `card`."""
        if card.app_id in self._entries:
            if self._entries[card.app_id].card == card:
                return
            self.remove(card.app_id)
        try:
            version: Version | None = Version(card.card.version)
        except InvalidVersion:
            version = None
        skills = frozenset(s.id for s in card.card.skills)
        tags = frozenset(t.lower() for s in card.card.skills for t in s.tags)
        self._entries[card.app_id] = Entry(card.app_id, card, version, skills, tags)
        for skill in skills:
            self._by_skill[skill].add(card.app_id)
        for tag in tags:
            self._by_tag[tag].add(card.app_id)
        self._text.add(card.app_id, card_text(card))
        self.version += 1

    def remove(self, app_id: str) -> None:
        entry = self._entries.pop(app_id, None)
        if entry is None:
            return
        for skill in entry.skills:
            self._by_skill[skill].discard(app_id)
        for tag in entry.tags:
            self._by_tag[tag].discard(app_id)
        self._text.remove(app_id)
        self.version += 1

    def filter(
        self,
        *,
        skill: str | None = None,
        tag: str | None = None,
        versions: SpecifierSet | None = None,
    ) -> list[str]:
        """App-ids matching every given filter, sorted."""
        found: set[str] | None = None
        if skill is not None:
            found = set(self._by_skill.get(skill, ()))
        if tag is not None:
            tagged = self._by_tag.get(tag.lower(), set())
            found = set(tagged) if found is None else found & tagged
        candidates: set[str] | list[str] = set(self._entries) if found is None else found
        if versions is not None:
            candidates = [
                a
                for a in candidates
                if (v := self._entries[a].version) is not None and versions.contains(v, True)
            ]
        return sorted(candidates)

    def search(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """Agents ranked by BM25 relevance of their card to `text` (best first)."""
        return self._text.search(text, limit)
