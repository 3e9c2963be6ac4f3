"""A deterministic, offline chat model that plugs into Semantic Kernel.

It is what the orchestrator plans with when no cloud model is configured,
and it goes through exactly the same SK code path as Azure OpenAI: the
kernel offers it the agent functions (function choice "auto"); it answers
with function calls, one per part of the request, each chosen by
`matching.FunctionMatcher` from the functions' descriptions, tags and
examples, with the skill's structured arguments read from that part
(`arguments.fill_arguments`), as a cloud model fills tool parameters; SK
invokes them and hands back the results; on that turn it answers with the
results.

A part that no function fits is answered "no agent can do this: <part>"
instead of being handed to whichever agent takes leftovers, which would
only echo it back.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import Field
from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.function_call_choice_configuration import (
    FunctionCallChoiceConfiguration,
)
from semantic_kernel.connectors.ai.function_choice_type import FunctionChoiceType
from semantic_kernel.connectors.ai.prompt_execution_settings import PromptExecutionSettings
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
)

from orchestrator.planning.arguments import fill_arguments
from orchestrator.planning.cues import ISO_DATE, is_arithmetic
from orchestrator.planning.followups import standalone_last
from orchestrator.planning.matching import FunctionCard, FunctionMatcher
from phrasing.numbers import with_digits
from phrasing.scope import OUT_OF_SCOPE, is_system_change

__all__ = [
    "NO_AGENT",
    "LocalPlannerChatCompletion",
    "LocalPlannerSettings",
    "split_request",
]

# How the answer names a part of the request that no agent can do.
NO_AGENT = "no agent can do this"
# The plan message's metadata: each part in order, with the id of its call (None: no agent).
_PLAN = "hubspoke.plan"

# Where one request holds several: ";" (not the one of "tl;dr"), a new line, "and" or
# "then" before a new question, "?" before one, or a comma before a new command.
_QUESTION = (
    r"(?:what|how|who|which|why|where|when|summari[sz]e|tell|list|explain|calculate|compute"
    r"|translate|write|convert|find|give|show|search|define|describe"
    # orders to change the system, split off to be refused on their own
    r"|delete|remove|drop|wipe|erase|shut|stop|kill|reset|deregister)"
)
_COMMAND = (
    r"(?:summari[sz]e|tell|list|explain|calculate|compute|translate|write|convert|find|give"
    r"|show|search|define|describe)"
)
_SPLIT = re.compile(
    rf"\s*(?:;(?=\s|$)|\n|,?\s+(?:and\s+)?(?:then|also),?\s+(?={_QUESTION}\b)"
    rf"|,?\s+and\s+(?={_QUESTION}\b)|\?\s+(?:(?:and|also|then),?\s+)?(?={_QUESTION}\b)"
    rf"|,\s+(?={_COMMAND}\b))\s*",
    re.I,
)


# "what is 2+2 and 3+3": two sums joined by "and" (an "and" inside one operation,
# "add 15 and 27", leaves a side that is no sum on its own).
_AND = re.compile(r"\s+(?:and|&)\s+(?:also\s+)?", re.I)


def _sums(part: str) -> list[str]:
    # "between <date> and <date>" is one question about dates, not two sums.
    if ISO_DATE.search(part):
        return [part]
    sides = _AND.split(part)
    if len(sides) > 1 and all(is_arithmetic(with_digits(side)) for side in sides):
        return sides
    return [part]


def split_request(text: str) -> list[str]:
    """The independent parts of a request, in order."""
    parts = [p.strip(" ,.?") for p in _SPLIT.split(text) if p and p.strip(" ,.?")]
    return [s.strip(" ,.?") for p in parts for s in _sums(p) if s.strip(" ,.?")]


class LocalPlannerSettings(PromptExecutionSettings):
    # name -> description of each function the kernel offers this turn
    functions: dict[str, str] = Field(default_factory=dict)
    # name -> the function's SK additional properties (the planner's "tags" and "examples")
    hints: dict[str, dict[str, Any]] = Field(default_factory=dict)


class LocalPlannerChatCompletion(ChatCompletionClientBase):
    SUPPORTS_FUNCTION_CALLING: ClassVar[bool] = True

    def get_prompt_execution_settings_class(self) -> type[PromptExecutionSettings]:
        return LocalPlannerSettings

    def _update_function_choice_settings_callback(
        self,
    ) -> Callable[
        [FunctionCallChoiceConfiguration, PromptExecutionSettings, FunctionChoiceType], None
    ]:
        def offer(
            configuration: FunctionCallChoiceConfiguration,
            settings: PromptExecutionSettings,
            _: FunctionChoiceType,
        ) -> None:
            if isinstance(settings, LocalPlannerSettings):
                offered = configuration.available_functions or []
                settings.functions = {f.fully_qualified_name: f.description or "" for f in offered}
                settings.hints = {
                    f.fully_qualified_name: dict(f.additional_properties or {}) for f in offered
                }

        return offer

    def _reset_function_choice_settings(self, settings: PromptExecutionSettings) -> None:
        if isinstance(settings, LocalPlannerSettings):
            settings.functions = {}
            settings.hints = {}

    async def _inner_get_chat_message_contents(
        self, chat_history: ChatHistory, settings: PromptExecutionSettings
    ) -> list[ChatMessageContent]:
        assert isinstance(settings, LocalPlannerSettings)
        results, plan = _results_since_last_request(chat_history)
        if results or not settings.functions:
            return [_answer(results, plan)]
        return [self._plan(_last_request(chat_history), _cards(settings), settings.hints)]

    def _plan(
        self,
        request: str,
        functions: tuple[FunctionCard, ...],
        hints: dict[str, dict[str, Any]],
    ) -> ChatMessageContent:
        matcher = _matcher_of(functions)
        calls: list[FunctionCallContent] = []
        plan: list[dict[str, str | None]] = []
        for part in split_request(request) or [request]:
            if is_system_change(part):
                plan.append({"part": f"{part} ({OUT_OF_SCOPE})", "call": None})
                continue
            name = matcher.choose(part)
            if name is None:
                plan.append({"part": part, "call": None})
                continue
            call = FunctionCallContent(
                id=f"call_{uuid.uuid4().hex[:12]}",
                index=len(calls),
                name=name,
                # The skill's structured arguments, when they can be read from the part
                # (else the text alone, which every agent reads).
                arguments=json.dumps(
                    {"input": part, **fill_arguments(part, hints.get(name, {}).get("arguments"))}
                ),
            )
            calls.append(call)
            plan.append({"part": part, "call": call.id})
        undoable = [str(step["part"]) for step in plan if step["call"] is None]
        if not calls:
            return ChatMessageContent(
                role=AuthorRole.ASSISTANT,
                content=f"{NO_AGENT}: {'; '.join(undoable)}",
                metadata={_PLAN: plan},
            )
        return ChatMessageContent(
            role=AuthorRole.ASSISTANT, items=list(calls), metadata={_PLAN: plan}
        )


def _texts(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _cards(settings: LocalPlannerSettings) -> tuple[FunctionCard, ...]:
    """The offered functions as the matcher sees them."""
    return tuple(
        FunctionCard(
            name=name,
            description=description,
            tags=_texts(settings.hints.get(name, {}).get("tags")),
            examples=_texts(settings.hints.get(name, {}).get("examples")),
        )
        for name, description in settings.functions.items()
    )


@functools.lru_cache(maxsize=8)
def _matcher_of(functions: tuple[FunctionCard, ...]) -> FunctionMatcher:
    """The matcher of a set of functions; built once per set (it changes only when an
    agent registers, leaves or changes its card)."""
    return FunctionMatcher(functions)


def _last_request(history: ChatHistory) -> str:
    """The last request, made standalone from the conversation's earlier ones (a
    follow-up such as "and in feet?" leans on them: followups.py)."""
    return standalone_last(str(m.content) for m in history.messages if m.role == AuthorRole.USER)


def _results_since_last_request(
    history: ChatHistory,
) -> tuple[list[FunctionResultContent], list[dict[str, str | None]]]:
    """The function results of this request, in the order the calls were made
    (SK appends them as they finish, and parallel calls finish in any order),
    and the plan they were made for."""
    found: list[FunctionResultContent] = []
    calls: list[str | None] = []
    plan: list[dict[str, str | None]] = []
    for message in reversed(history.messages):
        if message.role == AuthorRole.USER:
            break
        found[:0] = [i for i in message.items if isinstance(i, FunctionResultContent)]
        calls[:0] = [i.id for i in message.items if isinstance(i, FunctionCallContent)]
        plan = message.metadata.get(_PLAN, plan)
    order = {call_id: n for n, call_id in enumerate(calls)}
    return sorted(found, key=lambda r: order.get(r.id, len(order))), plan


def _answer(
    results: list[FunctionResultContent], plan: list[dict[str, str | None]]
) -> ChatMessageContent:
    texts = {r.id: f"- {r.plugin_name}: {r.result}" for r in results}
    if any(step["call"] is None for step in plan):
        # Every part in the order asked, the ones no agent can do named as such.
        lines = [
            texts.get(step["call"], "") if step["call"] else f"- {NO_AGENT}: {step['part']}"
            for step in plan
        ]
        content = "\n".join(line for line in lines if line)
    elif len(results) == 1:
        content = str(results[0].result)
    elif results:
        content = "\n".join(f"- {r.plugin_name}: {r.result}" for r in results)
    else:
        content = "No registered agent can help with that."
    return ChatMessageContent(role=AuthorRole.ASSISTANT, content=content)
