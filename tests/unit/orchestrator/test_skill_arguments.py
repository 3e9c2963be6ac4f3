"""The planner fills skills' structured arguments: read by the local model, stated as
tool parameters to cloud models, and handed to the invoker beside the text."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from semantic_kernel.connectors.ai.function_calling_utils import (
    kernel_function_metadata_to_function_call_format,
)

from agents.calculator.models import ArithmeticArguments
from agents.summarizer.models import SummaryArguments
from orchestrator.planning.arguments import fill_arguments
from orchestrator.planning.chat_services import build_chat_service
from orchestrator.planning.local_model import LocalPlannerChatCompletion
from orchestrator.planning.planner import Planner
from orchestrator.ports import AgentSkill
from tests.unit.orchestrator.conftest import orchestrator_settings

CALCULATOR_ARGUMENTS = ArithmeticArguments.model_json_schema()
SUMMARY_ARGUMENTS = SummaryArguments.model_json_schema()
# As the TypeScript units agent's card states it (agents/units/src/card.ts).
UNITS_ARGUMENTS: dict[str, Any] = {
    "type": "object",
    "required": ["value", "from", "to"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": "number", "description": "The quantity to convert."},
        "from": {"type": "string", "description": "Its unit."},
        "to": {"type": "string", "description": "The target unit."},
    },
}

CALCULATE = AgentSkill(
    "calculator",
    "arithmetic",
    "Evaluate arithmetic expressions.",
    ("math", "arithmetic", "calculate"),
    examples=("2+3", "what is 5 minus 3"),
    arguments_schema=CALCULATOR_ARGUMENTS,
)
CONVERT = AgentSkill(
    "units",
    "convert-units",
    "Convert a number from one unit to another: length, mass, volume.",
    ("units", "conversion"),
    examples=("convert 5 km to miles", "3 cups in ml"),
    arguments_schema=UNITS_ARGUMENTS,
)


@pytest.mark.parametrize(
    ("part", "schema", "arguments"),
    [
        ("multiply 23 by 19", CALCULATOR_ARGUMENTS, {"expression": "23 * 19"}),
        ("what's twenty plus twenty two", CALCULATOR_ARGUMENTS, {"expression": "20 plus 22"}),
        (
            "shorten this: The registry keeps agents. It removes stale ones",
            SUMMARY_ARGUMENTS,
            {"text": "The registry keeps agents. It removes stale ones"},
        ),
        (
            "how many feet are in 3 meters",
            UNITS_ARGUMENTS,
            {"value": 3.0, "from": "meters", "to": "feet"},
        ),
        (
            "72 fahrenheit in celsius please",
            UNITS_ARGUMENTS,
            {"value": 72.0, "from": "fahrenheit", "to": "celsius"},
        ),
        (
            "how many grams in an ounce",
            UNITS_ARGUMENTS,
            {"value": 1.0, "from": "ounce", "to": "grams"},
        ),
        # "degrees" alone is an angle (as "turn" is): the unit is the one after it
        (
            "turn 30 degrees celsius into fahrenheit",
            UNITS_ARGUMENTS,
            {"value": 30.0, "from": "celsius", "to": "fahrenheit"},
        ),
    ],
)
def test_the_local_model_reads_a_skills_arguments_from_the_part(
    part: str, schema: dict[str, Any], arguments: dict[str, Any]
) -> None:
    assert fill_arguments(part, schema) == arguments


@pytest.mark.parametrize(
    ("part", "schema"),
    [
        # nothing to read: the agent gets the text alone, as today
        ("what is love", CALCULATOR_ARGUMENTS),
        ("how far is Paris", UNITS_ARGUMENTS),
        # a skill that takes no arguments, or of a shape this planner does not know
        ("2+3", None),
        ("2+3", {"type": "object", "properties": {"question": {"type": "string"}}}),
    ],
)
def test_no_arguments_when_they_cannot_be_read(part: str, schema: dict[str, Any] | None) -> None:
    assert fill_arguments(part, schema) == {}


def test_arguments_that_do_not_validate_against_the_schema_are_not_sent() -> None:
    short = {
        **CALCULATOR_ARGUMENTS,
        "properties": {"expression": {"type": "string", "maxLength": 3}},
    }
    assert fill_arguments("multiply 23 by 19", short) == {}
    assert fill_arguments("2+3", short) == {"expression": "2+3"}
    integers = {**UNITS_ARGUMENTS, "properties": {**UNITS_ARGUMENTS["properties"]}}
    integers["properties"]["value"] = {"type": "integer", "maximum": 2}
    assert fill_arguments("convert 5 km to miles", integers) == {}


def test_the_arguments_schema_becomes_the_tool_parameters_a_cloud_model_fills() -> None:
    async def invoke(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
        return "done"

    planner = Planner(LocalPlannerChatCompletion(service_id="p", ai_model_id="local"), invoke)
    planner.refresh([CONVERT])
    [function] = planner._kernel.get_full_list_of_function_metadata()
    tool = kernel_function_metadata_to_function_call_format(function)["function"]
    assert tool["name"] == "units-convert_units"
    assert tool["parameters"]["properties"] == {
        "input": {
            "type": "string",
            "description": "The part of the user's request this skill should handle.",
        },
        **UNITS_ARGUMENTS["properties"],
    }
    # The text always goes too, so a model that leaves the arguments out still works.
    assert tool["parameters"]["required"] == ["input"]


async def test_the_local_model_hands_the_filled_arguments_to_the_invoker() -> None:
    calls: list[tuple[str, str, dict[str, Any]]] = []

    async def invoke(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
        calls.append((app_id, text, arguments))
        return "done"

    planner = Planner(LocalPlannerChatCompletion(service_id="p", ai_model_id="local"), invoke)
    planner.refresh([CALCULATE, CONVERT])
    await planner.answer("what is 2+2 and 3+3")
    await planner.answer("I ran 10 km, how many miles is that?")
    assert sorted(calls[:2]) == [
        ("calculator", "3+3", {"expression": "3+3"}),
        ("calculator", "what is 2+2", {"expression": "2+2"}),
    ]
    assert calls[2] == (
        "units",
        "I ran 10 km, how many miles is that",
        {"value": 10.0, "from": "km", "to": "miles"},
    )


def _reply(message: dict[str, Any]) -> dict[str, Any]:
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": "llama3.2",
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
    }


async def test_an_openai_compatible_models_tool_call_fills_the_arguments() -> None:
    """Through the OpenAI API as SK speaks it: the tools offered carry the schema's
    properties, and the arguments of the model's tool call reach the invoker."""
    sent: list[dict[str, Any]] = []
    filled = {"input": "3 m in ft", "value": 3, "from": "m", "to": "ft"}

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        sent.append(body)
        if body["messages"][-1]["role"] == "tool":
            return httpx2.Response(200, json=_reply({"role": "assistant", "content": "9.8 ft"}))
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "units-convert_units", "arguments": json.dumps(filled)},
        }
        return httpx2.Response(
            200, json=_reply({"role": "assistant", "content": None, "tool_calls": [call]})
        )

    calls: list[tuple[str, dict[str, Any]]] = []

    async def invoke(app_id: str, skill_id: str, text: str, arguments: dict[str, Any]) -> str:
        calls.append((text, arguments))
        return "3 m = 9.84252 ft"

    settings = orchestrator_settings(
        ai_provider="openai-compatible",
        openai_base_url="http://127.0.0.1:11434/v1",
        openai_model="llama3.2",
    )
    chat = build_chat_service(
        settings, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    )
    planner = Planner(chat, invoke)
    planner.refresh([CONVERT])
    assert await planner.answer("how many feet in 3 m?") == "9.8 ft"
    [tool] = sent[0]["tools"]
    assert set(tool["function"]["parameters"]["properties"]) == {"input", "value", "from", "to"}
    assert calls == [("3 m in ft", {"value": 3, "from": "m", "to": "ft"})]
