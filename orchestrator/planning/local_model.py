"""A deterministic, offline chat model that plugs into Semantic Kernel.

It is what the orchestrator plans with when no cloud model is configured,
and it goes through exactly the same SK code path as Azure OpenAI: the
kernel offers it the agent functions (function choice "auto"); it answers
with function calls, one per part of the request, chosen by BM25 ranking of
the function descriptions; SK invokes them and hands back the results; on
that turn it answers with the results.

A part goes to a function only if it shares a content word with it (numbers
and English function words do not count): a part that no function fits is
answered "no agent can do this: <part>" instead of being handed to whichever
agent takes leftovers, which would only echo it back.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from typing import ClassVar

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

from orchestrator.ranking import Bm25Index, tokens

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

# Where one request holds several: ";", a new line, or "and"/"?" before a new question.
_QUESTION = (
    r"(?:what|how|who|which|why|where|when|summari[sz]e|tell|list|explain|calculate|compute"
    r"|translate|write|convert|find|give|show|search|define|describe)"
)
_SPLIT = re.compile(rf"\s*(?:;|\n|,?\s+and\s+(?={_QUESTION}\b)|\?\s+(?={_QUESTION}\b))\s*", re.I)
_ARITHMETIC = re.compile(
    r"\d\s*(?:[-+*/^x\N{MULTIPLICATION SIGN}\N{DIVISION SIGN}]|%\s*of|\*\*)\s*\(?\s*[-+]?\d"
)


def split_request(text: str) -> list[str]:
    """The independent parts of a request, in order."""
    return [p.strip(" ,.?") for p in _SPLIT.split(text) if p and p.strip(" ,.?")]


class LocalPlannerSettings(PromptExecutionSettings):
    # name -> description of each function the kernel offers this turn
    functions: dict[str, str] = Field(default_factory=dict)


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
                settings.functions = {
                    f.fully_qualified_name: f.description or ""
                    for f in configuration.available_functions or []
                }

        return offer

    def _reset_function_choice_settings(self, settings: PromptExecutionSettings) -> None:
        if isinstance(settings, LocalPlannerSettings):
            settings.functions = {}

    async def _inner_get_chat_message_contents(
        self, chat_history: ChatHistory, settings: PromptExecutionSettings
    ) -> list[ChatMessageContent]:
        assert isinstance(settings, LocalPlannerSettings)
        results, plan = _results_since_last_request(chat_history)
        if results or not settings.functions:
            return [_answer(results, plan)]
        return [self._plan(_last_request(chat_history), settings.functions)]

    def _plan(self, request: str, functions: dict[str, str]) -> ChatMessageContent:
        index = _index_of(tuple(functions.items()))
        calls: list[FunctionCallContent] = []
        plan: list[dict[str, str | None]] = []
        for part in split_request(request) or [request]:
            ranked = index.search(_query(part), 1)
            if not ranked:
                plan.append({"part": part, "call": None})
                continue
            call = FunctionCallContent(
                id=f"call_{uuid.uuid4().hex[:12]}",
                index=len(calls),
                name=ranked[0][0],
                arguments=json.dumps({"input": part}),
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


def _query(part: str) -> str:
    """What a part is ranked by: its words, not its numbers (a skill's example numbers
    say nothing about it); arithmetic in it also ranks against "arithmetic"."""
    words = " ".join(w for w in tokens(part) if not w.isdigit())
    return f"{words} arithmetic calculate" if _ARITHMETIC.search(part) else words


@functools.lru_cache(maxsize=8)
def _index_of(functions: tuple[tuple[str, str], ...]) -> Bm25Index:
    """The ranking index of a set of functions; built once per set (it changes only
    when an agent registers, leaves or changes its card)."""
    index = Bm25Index()
    for name, description in functions:
        index.add(name, f"{name.replace('-', ' ').replace('_', ' ')} {description}")
    return index


def _last_request(history: ChatHistory) -> str:
    return next(
        (str(m.content) for m in reversed(history.messages) if m.role == AuthorRole.USER), ""
    )


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
