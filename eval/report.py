"""The evaluation's figures and its plain-text report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from eval.cases import Part
from eval.routing import Routed

__all__ = ["REFUSAL", "Score", "accuracy", "render"]

# How a report names the empty agent set: the requests no agent can do.
REFUSAL = "(refusal)"


@dataclass(frozen=True)
class Score:
    """Right answers (exact agent set) out of a number of cases."""

    right: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.right / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.percent:5.1f}% ({self.right}/{self.total})"


def accuracy(routed: Iterable[Routed]) -> Score:
    """The share of cases whose planned agent set is exactly the expected one."""
    results = [r.right for r in routed]
    return Score(sum(results), len(results))


def _names(agents: frozenset[str]) -> str:
    return ", ".join(sorted(agents)) or REFUSAL


def render(routed: Sequence[Routed], *, model: str) -> str:
    """The report: accuracy overall and per part, per expected agent, then every miss
    with the request, the expected and the planned agents and the parts each got."""
    agents = sorted({a for r in routed for a in r.case.expect | r.agents})
    lines = [
        f"Router evaluation: {len(routed)} requests, planner model {model}",
        "",
        f"accuracy (exact agent set)  {accuracy(routed)}",
    ]
    for part in Part:
        lines.append(f"  {part.value:<26}{accuracy(r for r in routed if r.case.part is part)}")
    lines += ["", "per agent: requests that need it, and calls it got that were not asked for"]
    for agent in [*agents, ""]:
        needing = [r for r in routed if (agent in r.case.expect if agent else not r.case.expect)]
        extra = sum(1 for r in routed if agent and agent in r.agents - r.case.expect)
        name = agent or REFUSAL
        lines.append(f"  {name:<26}{accuracy(needing)}  unasked calls: {extra}")
    misses = [r for r in routed if not r.right]
    lines += ["", f"misses: {len(misses)}"]
    for miss in misses:
        lines.append(f"- [{miss.case.part.value}] {miss.case.request!r}")
        lines.append(f"    expected: {_names(miss.case.expect)}")
        lines.append(f"    got:      {_names(miss.agents)}")
        for call in miss.calls:
            lines.append(f"      {call.app_id}/{call.skill_id} <- {call.input!r}")
        if not miss.calls:
            lines.append(f"      refused: {miss.answer!r}")
    return "\n".join(lines) + "\n"
