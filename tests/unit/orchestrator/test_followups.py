"""The local model's reading of follow-ups: each rewritten into the request it stands for."""

from __future__ import annotations

import pytest

from orchestrator.planning.followups import standalone, standalone_last


@pytest.mark.parametrize(
    ("previous", "follow_up", "meant"),
    [
        ("what is 2+3", "and times 4?", "what is (2+3) * 4"),
        ("what is 2+3", "multiply it by 4", "what is (2+3) * 4"),
        ("what is 2+3", "And divided by 2?", "what is (2+3) / 2"),
        ("2+3", "what about plus 10?", "what is (2+3) + 10"),
        ("what is 2+3", "now minus 1", "what is (2+3) - 1"),
        ("what is 2+3", "squared?", "what is (2+3) ^ 2"),
        ("17% of 240", "double it", "what is (17% of 240) * 2"),
        ("what is 2+3", "and times four?", "what is (2+3) * 4"),
        ("convert 5 km to miles", "and in feet?", "convert 5 km to feet"),
        ("convert 5 km to miles", "in yards then", "convert 5 km to yards"),
        ("convert 5 km to miles", "how many feet is that?", "convert 5 km to feet"),
        ("convert 5 km to miles", "what about 10 km?", "convert 10 km to miles"),
        ("convert 5 km to miles", "and 20?", "convert 20 km to miles"),
        ("convert 5 km to miles", "what about twenty miles?", "convert 20 miles to km"),
        (
            "convert 100 fahrenheit to kelvin",
            "and in celsius?",
            "convert 100 fahrenheit to celsius",
        ),
        ("how many feet are in 3 meters", "and in inches?", "convert 3 meters to inches"),
    ],
)
def test_an_elliptical_follow_up_is_made_standalone(
    previous: str, follow_up: str, meant: str
) -> None:
    assert standalone(follow_up, previous) == meant


@pytest.mark.parametrize(
    ("previous", "follow_up"),
    [
        ("what is 2+3", "what is the capital of France?"),  # a new topic
        ("what is 2+3", "convert 5 km to miles"),  # standalone already
        ("convert 5 km to miles", "and in kg?"),  # no length: planned as typed (and refused)
        ("convert 5 km to miles", "and times 4?"),  # arithmetic on a conversion is not guessed
        ("summarize: a b c", "and in feet?"),  # nothing to convert before
        ("what is 2+3", "summarize this: Dapr is a runtime."),
    ],
)
def test_a_request_that_leans_on_nothing_it_can_read_is_planned_as_typed(
    previous: str, follow_up: str
) -> None:
    assert standalone(follow_up, previous) == follow_up


def test_a_chain_of_follow_ups_is_resolved_turn_by_turn() -> None:
    assert standalone_last(["what is 2+3", "and times 4?", "and divided by 2?"]) == (
        "what is ((2+3) * 4) / 2"
    )
    assert standalone_last(["convert 5 km to miles", "and in feet?", "what about 10 km?"]) == (
        "convert 10 km to feet"
    )
    assert standalone_last([]) == ""


def test_the_first_turn_is_taken_as_typed() -> None:
    assert standalone("and times 4?", None) == "and times 4?"
