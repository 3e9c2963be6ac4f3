"""What a check found: PASS, FAIL (saying what to fix) or SKIP (saying why not checked)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["CheckResult", "Outcome", "Report", "failed", "passed", "skipped"]


class Outcome(StrEnum):
    PASS = "PASS"  # noqa: S105 (a verdict, not a password)
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict; a FAIL's message names the problem and its fix."""

    name: str
    outcome: Outcome
    message: str


def passed(name: str, message: str) -> CheckResult:
    return CheckResult(name, Outcome.PASS, message)


def failed(name: str, message: str) -> CheckResult:
    return CheckResult(name, Outcome.FAIL, message)


def skipped(name: str, message: str) -> CheckResult:
    return CheckResult(name, Outcome.SKIP, message)


@dataclass
class Report:
    """Every check run against one agent, in the order run."""

    app_id: str
    results: list[CheckResult] = field(default_factory=list)

    def add(self, *results: CheckResult) -> None:
        self.results.extend(results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome is Outcome.FAIL]

    @property
    def exit_code(self) -> int:
        """0 when nothing failed (skips do not fail), 1 otherwise."""
        return 1 if self.failures else 0

    def render(self) -> str:
        """One line per check (`PASS name  message`), then a summary line."""
        width = max((len(r.name) for r in self.results), default=0)
        lines = [f"{r.outcome.value} {r.name:<{width}}  {r.message}" for r in self.results]
        counts = {o: sum(r.outcome is o for r in self.results) for o in Outcome}
        verdict = "conforms" if not self.failures else "does NOT conform"
        lines.append(
            f"{self.app_id} {verdict}: {counts[Outcome.PASS]} passed, "
            f"{counts[Outcome.FAIL]} failed, {counts[Outcome.SKIP]} not checked"
        )
        return "\n".join(lines)
