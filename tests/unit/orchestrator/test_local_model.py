from __future__ import annotations

import pytest
from semantic_kernel.contents import (
    AuthorRole,
    ChatHistory,
    ChatMessageContent,
    FunctionCallContent,
    FunctionResultContent,
)

from orchestrator.local_model import (
    LocalPlannerChatCompletion,
    LocalPlannerSettings,
    split_request,
)


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
    ],
)
def test_requests_split_into_independent_parts(text: str, parts: list[str]) -> None:
    assert split_request(text) == parts


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
