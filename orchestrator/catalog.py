"""The in-memory index the router and the query API read: filters and ranked search.

Lookups by id, skill and tag are dictionary hits; text search is BM25 over
each agent's card (name, description, skills' names, descriptions, tags and
examples) through an inverted index, so a query touches only the agents
that share a word with it. The index is rebuilt from the state store at
start-up and kept current as registrations arrive.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from chassis.card import HubspokeCard

__all__ = ["Catalog", "Entry"]

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    "a an and are as at be by for from in is it of on or the this to what with".split()
)
# BM25 parameters (the usual defaults).
_K1 = 1.2
_B = 0.75


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


@dataclass(frozen=True)
class Entry:
    app_id: str
    card: HubspokeCard
    version: Version | None
    skills: frozenset[str]
    tags: frozenset[str]


def _document(card: HubspokeCard) -> list[str]:
    parts = [card.card.name, card.card.description]
    for skill in card.card.skills:
        # Tags and skill names say most about a skill: count them twice.
        emphasis = " ".join([skill.id, skill.name, *skill.tags])
        parts += [emphasis, emphasis, skill.description, *skill.examples]
    return tokens(" ".join(parts))


class Catalog:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._by_skill: dict[str, set[str]] = defaultdict(set)
        self._by_tag: dict[str, set[str]] = defaultdict(set)
        self._postings: dict[str, dict[str, int]] = defaultdict(dict)
        self._lengths: dict[str, int] = {}
        self._total_length = 0
        # BM25 length normalisation per agent, recomputed after the catalog changed.
        self._norms: dict[str, float] | None = None

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
        entry = Entry(card.app_id, card, version, skills, tags)
        self._entries[card.app_id] = entry
        for skill in skills:
            self._by_skill[skill].add(card.app_id)
        for tag in tags:
            self._by_tag[tag].add(card.app_id)
        words = _document(card)
        for word in words:
            posting = self._postings[word]
            posting[card.app_id] = posting.get(card.app_id, 0) + 1
        self._lengths[card.app_id] = len(words)
        self._total_length += len(words)
        self._norms = None

    def remove(self, app_id: str) -> None:
        entry = self._entries.pop(app_id, None)
        if entry is None:
            return
        for skill in entry.skills:
            self._by_skill[skill].discard(app_id)
        for tag in entry.tags:
            self._by_tag[tag].discard(app_id)
        for word in set(_document(entry.card)):
            self._postings[word].pop(app_id, None)
            if not self._postings[word]:
                del self._postings[word]
        self._total_length -= self._lengths.pop(app_id)
        self._norms = None

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
        if not self._entries:
            return []
        norms = self._length_norms()
        count = len(self._entries)
        scores: dict[str, float] = defaultdict(float)
        for word in set(tokens(text)):
            posting = self._postings.get(word)
            if not posting:
                continue
            idf = math.log(1 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            for app_id, frequency in posting.items():
                scores[app_id] += idf * frequency * (_K1 + 1) / (frequency + norms[app_id])
        return heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))

    def _length_norms(self) -> dict[str, float]:
        if self._norms is None:
            average = self._total_length / len(self._entries)
            self._norms = {
                app_id: _K1 * (1 - _B + _B * length / average)
                for app_id, length in self._lengths.items()
            }
        return self._norms
