from __future__ import annotations

from typing import Any

import pytest
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
)

from agents.calculator.main import AGENT as CALCULATOR
from agents.knowledge.main import AGENT as KNOWLEDGE
from agents.summarizer.main import AGENT as SUMMARIZER
from orchestrator.planning.cues import Kind, kinds
from orchestrator.planning.local_model import (
    LocalPlannerChatCompletion,
    LocalPlannerSettings,
    split_request,
)
from orchestrator.planning.planner import NoAgentCanDo, Planner, describe
from orchestrator.ports import AgentSkill


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("2+3", ["2+3"]),
        (
            "what is 17% of 240, and what does the README say about access control?",
            ["what is 17% of 240", "what does the README say about access control"],
        ),
        ("summarize: cats and dogs are pets", ["summarize: cats and dogs are pets"]),
        ("add 2 and 3; explain tracing", ["add 2 and 3", "explain tracing"]),
        ("tl;dr cats are pets", ["tl;dr cats are pets"]),
        (
            "convert 3 cups to ml, then tell me about tracing",
            ["convert 3 cups to ml", "tell me about tracing"],
        ),
        ("how far is 10 km? Also, what is 45 * 12?", ["how far is 10 km", "what is 45 * 12"]),
        ("what is 7 * 6, convert 2 l to cups", ["what is 7 * 6", "convert 2 l to cups"]),
        ("I weigh 150 lb, what is that in kg", ["I weigh 150 lb, what is that in kg"]),
        ("what is 2+2 and 3+3", ["what is 2+2", "3+3"]),
        ("what is two plus two and three plus three", ["what is two plus two", "three plus three"]),
        ("add 15 and 27", ["add 15 and 27"]),
        ("average of 3, 5 and 10", ["average of 3, 5 and 10"]),
        (
            "how many days between 2026-01-01 and 2026-03-01",
            ["how many days between 2026-01-01 and 2026-03-01"],
        ),
    ],
)
def test_requests_split_into_independent_parts(text: str, parts: list[str]) -> None:
    assert split_request(text) == parts


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("add 90 days to 2026-12-08", frozenset()),
        ("how many days between 2026-01-01 and 2026-03-01", frozenset()),
        ("what is 2026-12", frozenset({Kind.ARITHMETIC})),
    ],
)
def test_an_iso_date_is_no_subtraction(text: str, shown: frozenset[Kind]) -> None:
    assert kinds(text) == shown


async def test_the_answer_follows_the_plan_order_not_the_finishing_order() -> None:
    model = LocalPlannerChatCompletion(service_id="local", ai_model_id="local")
    history = ChatHistory()
    history.add_user_message("first and then second")
    plan = ChatMessageContent(
        role=AuthorRole.ASSISTANT,
        items=[
            FunctionCallContent(id="c1", name="a-first", arguments="{}"),
            FunctionCallContent(id="c2", name="b-second", arguments="{}"),
        ],
    )
    history.add_message(plan)
    for call_id, name, result in (("c2", "b-second", "two"), ("c1", "a-first", "one")):
        history.add_message(
            ChatMessageContent(
                role=AuthorRole.TOOL,
                items=[FunctionResultContent(id=call_id, name=name, result=result)],
            )
        )
    [reply] = await model._inner_get_chat_message_contents(
        history, LocalPlannerSettings(functions={"a-first": "", "b-second": ""})
    )
    assert str(reply.content) == "- a: one\n- b: two"


def _functions() -> dict[str, str]:
    """The functions the kernel offers for the three sample agents, as ai.py describes them."""
    return {
        f"{app_id}-{skill.id.replace('-', '_')}": f"{skill.description} (tags: "
        f"{', '.join(skill.tags)})"
        for app_id, agent in (
            ("calculator", CALCULATOR),
            ("knowledge", KNOWLEDGE),
            ("summarizer", SUMMARIZER),
        )
        for skill in agent.skills
    }


async def _plan(request: str) -> ChatMessageContent:
    model = LocalPlannerChatCompletion(service_id="local", ai_model_id="local")
    history = ChatHistory()
    history.add_user_message(request)
    [reply] = await model._inner_get_chat_message_contents(
        history, LocalPlannerSettings(functions=_functions())
    )
    return reply


@pytest.mark.parametrize(
    ("request_text", "planned"),
    [
        ("2+3", [("calculator-arithmetic", "2+3")]),
        (
            "what is 17% of 240, and what does the README say about access control?",
            [
                ("calculator-arithmetic", "what is 17% of 240"),
                ("knowledge-docs_qa", "what does the README say about access control"),
            ],
        ),
        (
            "what is 2+3, and summarize this: a b. c d.",
            [
                ("calculator-arithmetic", "what is 2+3"),
                ("summarizer-summarize", "summarize this: a b. c d"),
            ],
        ),
        (
            "what does the documentation say about the agent registry?",
            [("knowledge-docs_qa", "what does the documentation say about the agent registry")],
        ),
        (
            "summarize: Dapr is a runtime.",
            [("summarizer-summarize", "summarize: Dapr is a runtime")],
        ),
    ],
)
async def test_sample_requests_plan_onto_the_skill_that_fits(
    request_text: str, planned: list[tuple[str, str]]
) -> None:
    reply = await _plan(request_text)
    calls = [i for i in reply.items if isinstance(i, FunctionCallContent)]
    assert [(c.name, c.to_kernel_arguments()["input"]) for c in calls] == planned


@pytest.mark.parametrize(
    "request_text", ["translate hello into French", "hello there", "weather forecast for Oslo"]
)
async def test_a_request_no_skill_fits_calls_nothing_and_says_so(request_text: str) -> None:
    reply = await _plan(request_text)
    assert not [i for i in reply.items if isinstance(i, FunctionCallContent)]
    assert str(reply.content) == f"no agent can do this: {request_text}"


async def test_only_the_parts_that_fit_are_called_and_the_answer_names_the_rest() -> None:
    model = LocalPlannerChatCompletion(service_id="local", ai_model_id="local")
    history = ChatHistory()
    history.add_user_message("what is 2+2 and translate hello into French")
    settings = LocalPlannerSettings(functions=_functions())
    [plan] = await model._inner_get_chat_message_contents(history, settings)
    [call] = [i for i in plan.items if isinstance(i, FunctionCallContent)]
    assert (call.name, call.to_kernel_arguments()["input"]) == (
        "calculator-arithmetic",
        "what is 2+2",
    )
    history.add_message(plan)
    history.add_message(
        ChatMessageContent(
            role=AuthorRole.TOOL,
            items=[FunctionResultContent(id=call.id, name=call.name, result="4")],
        )
    )
    [answer] = await model._inner_get_chat_message_contents(history, settings)
    assert str(answer.content) == (
        "- calculator: 4\n- no agent can do this: translate hello into French"
    )


UNITS = AgentSkill(
    "units",
    "convert-units",
    "Convert a number from one unit to another: length, mass, volume.",
    ("units", "conversion"),
    name="Convert units",
    examples=("convert 5 km to miles", "3 cups in ml"),
)


def test_a_function_description_carries_the_card_examples_for_every_model() -> None:
    assert describe(UNITS) == (
        "Convert a number from one unit to another: length, mass, volume. "
        "(tags: units, conversion) Examples: 'convert 5 km to miles'; '3 cups in ml'"
    )


async def test_the_card_examples_reach_the_local_model_through_the_kernel() -> None:
    """Through SK's function metadata: the units skill takes conversions only, so a
    request that merely mentions a cup is refused, and a conversion is planned."""
    calls: list[tuple[str, str, str]] = []

    async def invoke(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
        calls.append((app_id, skill_id, text))
        return "done"

    planner = Planner(LocalPlannerChatCompletion(service_id="p", ai_model_id="local"), invoke)
    planner.refresh([UNITS])
    with pytest.raises(NoAgentCanDo, match="who won the world cup in 2018"):
        await planner.answer("who won the world cup in 2018?")
    assert await planner.answer("how many ounces in 2 pounds?") == "done"
    assert calls == [("units", "convert-units", "how many ounces in 2 pounds")]


async def test_an_order_to_change_the_system_is_refused_even_when_words_match_a_skill() -> None:
    """The order "delete all agents" shares words with any agent-related card; it is refused by the
    planner, with the reason, and no agent is called."""
    calls: list[tuple[str, str, str]] = []

    async def invoke(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
        calls.append((app_id, skill_id, text))
        return "done"

    docs = AgentSkill(
        "knowledge", "ask", "Answers questions about agents, tasks and the registry.", ("docs",)
    )
    planner = Planner(LocalPlannerChatCompletion(service_id="p", ai_model_id="local"), invoke)
    planner.refresh([docs, UNITS])
    with pytest.raises(NoAgentCanDo, match="no agent may change the system"):
        await planner.answer("delete all agents")
    assert calls == []


async def test_number_words_and_an_article_as_one_reach_the_units_skill() -> None:
    calls: list[tuple[str, str, str]] = []

    async def invoke(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
        calls.append((app_id, skill_id, text))
        return "done"

    planner = Planner(LocalPlannerChatCompletion(service_id="p", ai_model_id="local"), invoke)
    planner.refresh([UNITS])
    await planner.answer("how many grams in an ounce")
    await planner.answer("convert ten miles to km")
    assert [c[2] for c in calls] == ["how many grams in an ounce", "convert ten miles to km"]
