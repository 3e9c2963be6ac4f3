"""Instructions to change the system itself, which no agent may carry out.

The agents answer questions and compute; none of them manages the system
(agents, tasks, the registry, data). A request that orders such a change
("delete all agents", "shut down the orchestrator", "wipe the database") must
be refused by the planner, not handed to the agent whose words come nearest.
"""

from __future__ import annotations

import re

__all__ = ["OUT_OF_SCOPE", "is_system_change"]

OUT_OF_SCOPE = "no agent may change the system (agents, tasks, data) on request"

# An imperative verb that destroys or stops something, then what it acts on: the system's
# own parts or data. "remove the stop words from this text" names none of them.
_CHANGE = re.compile(
    r"^(?:please\s+|can\s+you\s+|could\s+you\s+|now\s+)*"
    r"(?:delete|remove|drop|wipe|erase|destroy|purge|kill|shut\s*down|stop|disable"
    r"|deregister|unregister|uninstall|reset|format|truncate|revoke|rm)\b"
    r"(?P<object>.{0,60})$",
    re.I | re.S,
)
_SYSTEM = re.compile(
    r"\b(?:agents?|tasks?|registry|registr(?:ations?|y)|orchestrator|hub|sidecars?|dapr"
    r"|redis|database|db|tables?|state|stores?|data|records?|logs?|users?|keys?"
    r"|everything|all|system|services?|servers?|clusters?|files?|pods?|namespaces?)\b",
    re.I,
)


def is_system_change(text: str) -> bool:
    """Whether `text` orders the system changed or destroyed ("delete all agents")."""
    found = _CHANGE.match(text.strip())
    return bool(found and _SYSTEM.search(found["object"]))
