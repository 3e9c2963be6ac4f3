"""Planning with Semantic Kernel: agent skills as kernel functions, a chat model choosing.

Every skill of every registered agent becomes a kernel function (plugin =
the agent, function = the skill) whose body invokes the agent through Dapr.
The chat model, local or cloud, picks the functions with automatic function
calling; SK runs them (in parallel when the model asks for several) and the
model writes the answer. The kernel is rebuilt only when the registry
changes, so an agent registered at run time is plannable at once.

A model that calls no function although agents were offered has found no
agent for the request: `NoAgentCanDo` (422), with the model's reason. A model
endpoint that cannot be reached or answers with an error (Semantic Kernel's
`ServiceException` family) is `PlannerUnavailable` (503): the caller may try
again, and the task is stored failed with that reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.chat_completion_client_base import ChatCompletionClientBase
from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior
from semantic_kernel.contents import ChatHistory, FunctionCallContent
from semantic_kernel.exceptions import ServiceException
from semantic_kernel.filters import AutoFunctionInvocationContext, FilterTypes
from semantic_kernel.functions import (
    KernelFunctionFromMethod,
    KernelParameterMetadata,
    KernelPlugin,
    kernel_function,
)

from chassis.errors import UnprocessableError, UpstreamError
from orchestrator.ports import (
    AgentSkill,
    ConversationTurn,
    PlanObserver,
    plan_observer,
    plan_paused,
)

__all__ = [
    "NoAgentCanDo",
    "PlanObserver",
    "Planner",
    "PlannerUnavailable",
    "SkillInvoker",
    "argument_parameters",
    "plan_observer",
]

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You are the Hubspoke orchestrator. Answer the user's request by calling the agent "
    "functions: split it into independent parts, call the best function for each part "
    "(in parallel when they do not depend on each other) with that part as input, then "
    "answer using only what the functions returned, saying which agent gave what. "
    "Call no function for a part that no function fits, nor for an instruction to change "
    "the system itself (delete, stop or reset agents, tasks or data): say "
    "'no agent can do this: <part>'."
)
# Each plan may call at most this many rounds of functions.
MAX_PLAN_ROUNDS = 3

# (app_id, skill_id, input, the skill's structured arguments as filled) -> output
SkillInvoker = Callable[[str, str, str, dict[str, Any]], Awaitable[str]]
# Names SK gives a meaning of its own as function parameters; no argument may take them.
_RESERVED = frozenset({"input", "kernel", "service", "execution_settings", "arguments"})


async def _report_plan(
    context: AutoFunctionInvocationContext,
    next: Callable[[AutoFunctionInvocationContext], Awaitable[None]],  # SK passes it by this name
) -> None:
    """Kernel filter: before the first call of a round, tell the observer the whole round."""
    observer = plan_observer.get()
    if observer is not None and context.function_sequence_index == 0 and context.chat_history:
        calls = [
            {"function": item.name or "", "input": str(item.to_kernel_arguments().get("input", ""))}
            for item in context.chat_history.messages[-1].items
            if isinstance(item, FunctionCallContent)
        ]
        observer(context.request_sequence_index, calls)
    await next(context)
    paused = plan_paused.get()
    if paused is not None and paused():
        context.terminate = True  # a call waits for approval: no further rounds now


def _identifier(text: str) -> str:
    # SK plugin and function names allow letters, digits and underscores only.
    return re.sub(r"[^0-9A-Za-z_]", "_", text)


def describe(skill: AgentSkill) -> str:
    """The function description every model reads: what the skill does, its tags and the
    card's examples (a model learns a skill's requests best from examples of them)."""
    # The app-id is already the plugin name; repeating a word in every description
    # would make every function match every request that uses it.
    description = f"{skill.description} (tags: {', '.join(skill.tags)})"
    if skill.examples:
        description += " Examples: " + "; ".join(repr(e) for e in skill.examples)
    return description


def argument_parameters(skill: AgentSkill) -> list[KernelParameterMetadata]:
    """The skill's structured arguments (its card's argumentsSchema) as kernel function
    parameters: the tool parameters a cloud model fills, each with its JSON Schema.

    None is required, whatever the schema says: the part of the request always
    reaches the agent as text too, and a model that cannot fill them leaves them out.
    """
    properties = (skill.arguments_schema or {}).get("properties") or {}
    return [
        KernelParameterMetadata(
            name=name,
            description=str(schema.get("description", "")),
            is_required=False,
            schema_data=dict(schema),
        )
        for name, schema in properties.items()
        if name not in _RESERVED and isinstance(schema, dict)
    ]


def _skill_function(skill: AgentSkill, invoke: SkillInvoker) -> KernelFunctionFromMethod:
    parameters = argument_parameters(skill)
    names = {p.name for p in parameters}

    @kernel_function(name=_identifier(skill.skill_id), description=describe(skill))
    async def call_agent(
        input: Annotated[str, "The part of the user's request this skill should handle."],
        **filled: Any,
    ) -> str:
        arguments = {k: v for k, v in filled.items() if k in names and v is not None}
        return await invoke(skill.app_id, skill.skill_id, input, arguments)

    # SK's own slot for what is not in the description; the local model reads it.
    hints = {
        "tags": list(skill.tags),
        "examples": list(skill.examples),
        "arguments": skill.arguments_schema,
    }
    function = KernelFunctionFromMethod(
        method=call_agent, plugin_name=_identifier(skill.app_id), additional_metadata=hints
    )
    # SK reads `**filled` as one parameter of that name: the schema's properties replace it.
    kept = [p for p in function.metadata.parameters if p.name != "filled"]
    function.metadata.parameters = [*kept, *parameters]
    return function


class PlannerUnavailable(UpstreamError):
    """The chat model behind the planner could not be reached or failed (503)."""

    status = 503


class NoAgentCanDo(UnprocessableError):
    """The plan called no agent: no offered skill fits any part of the request."""


class Planner:
    """Answers a request by letting the chat model call agent skills."""

    def __init__(self, chat: ChatCompletionClientBase, invoke: SkillInvoker) -> None:
        self._chat = chat
        self._invoke = invoke
        self._kernel = Kernel(services=[chat])
        self._skills: tuple[AgentSkill, ...] = ()
        self._source: Sequence[AgentSkill] | None = None

    def refresh(self, skills: Sequence[AgentSkill]) -> None:
        """Offer exactly these skills from now on (cheap when nothing changed)."""
        if skills is self._source:  # the registry hands out one list per catalog version
            return
        self._source = skills
        skills = tuple(skills)
        if skills == self._skills:
            return
        plugins: dict[str, list[KernelFunctionFromMethod]] = {}
        for skill in skills:
            plugins.setdefault(_identifier(skill.app_id), []).append(
                _skill_function(skill, self._invoke)
            )
        kernel = Kernel(services=[self._chat])
        kernel.add_filter(FilterTypes.AUTO_FUNCTION_INVOCATION, _report_plan)
        for name, functions in plugins.items():
            kernel.add_plugin(KernelPlugin(name=name, functions=functions))
        # Requests already planning keep the kernel they started with.
        self._kernel, self._skills = kernel, skills

    async def answer(
        self, request: str, history: Sequence[ConversationTurn] = (), **arguments: Any
    ) -> str:
        """The model's answer, from the agents it called; raises NoAgentCanDo when
        skills were offered and it called none.

        `history`: the conversation's earlier turns, oldest first, given to the
        model as the chat before `request` (a follow-up is read against them).
        """
        kernel, offered = self._kernel, bool(self._skills)
        chat = ChatHistory(system_message=SYSTEM_PROMPT)
        for turn in history:
            chat.add_user_message(turn.request)
            chat.add_assistant_message(turn.answer)
        chat.add_user_message(request)
        earlier = len(chat.messages)
        settings = self._chat.get_prompt_execution_settings_class()(
            function_choice_behavior=FunctionChoiceBehavior.Auto(
                maximum_auto_invoke_attempts=MAX_PLAN_ROUNDS
            )
        )
        try:
            reply = await self._chat.get_chat_message_content(chat, settings, kernel=kernel)
        except ServiceException as exc:
            # The endpoint's own message can quote the request; the log keeps it, the
            # caller gets the kind of failure only.
            log.warning("the planning model failed: %s", exc)
            raise PlannerUnavailable(
                f"the planning model did not answer ({type(exc).__name__}); try again later"
            ) from exc
        answer = "" if reply is None else str(reply.content or "")
        called = any(
            isinstance(item, FunctionCallContent)
            for m in chat.messages[earlier:]
            for item in m.items
        )
        if offered and not called:
            raise NoAgentCanDo(answer.strip() or "no agent can do this request")
        return answer
