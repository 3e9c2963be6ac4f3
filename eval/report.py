"""The evaluation's figures and its plain-text report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from eval.cases import Part
from eval.routing import Routed

__all__ = ["REFUSAL", "Score", "accuracy", "answer_accuracy", "render"]

# How a report names the empty agent set: the requests no agent can do.
REFUSAL = "(refusal)"


@dataclass(frozen=True)
class Score:
    """Right ones out of a number of cases."""

    right: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.percent:5.1f}% ({self.right}/{self.total})"


def accuracy(routed: Iterable[Routed]) -> Score:
    """Routing accuracy: the share of cases whose agent set is exactly the expected one."""
    results = [r.right for r in routed]
    return Score(sum(results), len(results))


def answer_accuracy(routed: Iterable[Routed]) -> Score:
    """Answer accuracy: right agents AND the right answer or the right refusal."""
    results = [r.answered_right for r in routed]
    return Score(sum(results), len(results))


def _names(agents: frozenset[str]) -> str:
    return ", ".join(sorted(agents)) or REFUSAL


def _both(routed: Sequence[Routed]) -> str:
    return f"routing {accuracy(routed)}   answers {answer_accuracy(routed)}"


def _miss_lines(miss: Routed) -> list[str]:
    case = miss.case
    wanted = "a refusal" if case.refusal else ", ".join(repr(a) for a in case.answer) or "-"
    lines = [
        f"- [{case.part.value}] {case.request!r}",
        f"    expected: {_names(case.expect)}; answer: {wanted}",
        f"    got:      {_names(miss.agents)}; {'refused' if miss.refused else 'answered'}",
    ]
    for call in miss.calls:
        refused = " (rejected)" if call.refused else ""
        lines.append(f"      {call.app_id}/{call.skill_id} <- {call.input!r}{refused}")
    lines.append(f"      final text: {miss.answer[:300]!r}")
    return lines


def render(routed: Sequence[Routed], *, model: str, how: str) -> str:
    """The report: routing and answer accuracy overall and per part, per expected agent,
    then every miss with the request, what was expected and what came back."""
    agents = sorted({a for r in routed for a in r.case.expect | r.agents})
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Answer evaluation: {len(routed)} requests, {how}, planner model {model}, {when}",
        "",
        f"{'all':<28}{_both(routed)}",
    ]
    for part in Part:
        lines.append(f"{'  ' + part.value:<28}{_both([r for r in routed if r.case.part is part])}")
    lines += ["", "per agent: the requests that need it; calls it got that were not asked for"]
    for agent in [*agents, ""]:
        needing = [r for r in routed if (agent in r.case.expect if agent else not r.case.expect)]
        extra = sum(1 for r in routed if agent and agent in r.agents - r.case.expect)
        lines.append(f"  {agent or REFUSAL:<26}{_both(needing)}  unasked calls: {extra}")
    misses = [r for r in routed if not r.answered_right]
    lines += ["", f"misses: {len(misses)}"]
    for miss in misses:
        lines += _miss_lines(miss)
    return "\n".join(lines) + "\n"
