"""The local model's choice of a function for one part of a request (planning/matching.py)."""

from __future__ import annotations

import pytest

from orchestrator.planning.cues import Kind, is_arithmetic, is_conversion, kinds
from orchestrator.planning.matching import FunctionCard, FunctionMatcher, stems


@pytest.mark.parametrize(
    "text",
    [
        "2+3",
        "what's 3 to the power of 4",
        "how much is 1,250 divided by 5",
        "multiply 23 by 19",
        "the sum of 1200 and 3400",
        "what's 9 squared?",
        "square root of 81",
        "what is 18 percent of 350",
    ],
)
def test_arithmetic_is_recognised_in_signs_and_in_words(text: str) -> None:
    assert is_arithmetic(text)


@pytest.mark.parametrize(
    "text", ["solve x^2 - 4 = 0", "how do I add an agent?", "in 2018", "call me at 5"]
)
def test_equations_and_lone_numbers_are_not_arithmetic(text: str) -> None:
    assert not is_arithmetic(text)


@pytest.mark.parametrize(
    "text",
    [
        "10 kg in lbs",
        "how many ounces in 2 pounds",
        "what's 60 mph in km/h?",
        "100 knots in kilometers per hour",
        "turn 30 degrees celsius into fahrenheit",
        "what is the temperature 25 C in F",
        "how many gigabytes is 4096 megabytes",
    ],
)
def test_a_quantity_and_a_second_unit_of_its_kind_is_a_conversion(text: str) -> None:
    assert is_conversion(text)


@pytest.mark.parametrize(
    "text",
    [
        "who won the world cup in 2018",  # a cup is a unit, but nothing is converted
        "convert 100 US dollars to euros",  # currencies are no units pint knows
        "set an alarm for 7 am",  # "am" is an attometer only to pint
        "what is 18 percent of 350",  # dimensionless
        "10 kg",
    ],
)
def test_a_number_without_a_second_compatible_unit_is_no_conversion(text: str) -> None:
    assert not is_conversion(text)


def test_kinds_name_what_a_text_shows() -> None:
    assert kinds("what is 7 * 6") == {Kind.ARITHMETIC}
    assert kinds("convert 5 km to miles") == {Kind.CONVERSION}
    assert kinds("hello") == frozenset()


def test_stems_join_inflections_and_british_spellings() -> None:
    assert stems("Summarise agents") == stems("summarize agent")
    assert stems("what's") == []  # function words and single letters say nothing


CALCULATOR = FunctionCard(
    "calculator-arithmetic",
    "Evaluate one arithmetic expression: add, subtract, powers.",
    tags=("math", "numbers"),
    examples=("2+3", "what is 5 minus 3"),
)
UNITS = FunctionCard(
    "units-convert_units",
    "Convert a number from one unit to another: length, mass, time, power.",
    tags=("units", "conversion"),
    examples=("convert 5 km to miles", "3 cups in ml"),
)
SUMMARIZER = FunctionCard(
    "summarizer-summarize",
    "Summarize, shorten or condense a text.",
    tags=("text", "summary", "fallback"),
    examples=("summarize: <text>", "tl;dr <text>"),
)
DOCS = FunctionCard(
    "knowledge-docs_qa",
    "Answer questions about Hubspoke from its documentation: agents, the registry.",
    tags=("docs", "readme"),
)
PROSE = (
    "Solar panels convert sunlight into electricity. Their numbers grew fast in the past ten years."
)


@pytest.fixture
def matcher() -> FunctionMatcher:
    return FunctionMatcher([CALCULATOR, UNITS, SUMMARIZER, DOCS])


@pytest.mark.parametrize(
    ("part", "function"),
    [
        ("what's 3 to the power of 4", "calculator-arithmetic"),  # not units' "power"
        ("how many feet are in 3 meters", "units-convert_units"),
        (f"summarise this: {PROSE}", "summarizer-summarize"),
        # The instruction fits nothing; its text is prose: the fallback, not units' "convert".
        (f"give me the gist of this: {PROSE}", "summarizer-summarize"),
        ("how do I add an agent", "knowledge-docs_qa"),  # no number: no sum
        ("what does the README say about unit conversion", "knowledge-docs_qa"),
        ("a bill of 86 with a tip: what is 15% of 86", "calculator-arithmetic"),
    ],
)
def test_a_part_goes_to_the_function_that_fits_it(
    matcher: FunctionMatcher, part: str, function: str
) -> None:
    assert matcher.choose(part) == function


@pytest.mark.parametrize(
    "part",
    [
        "who won the world cup in 2018",  # units' examples are all conversions
        "what time is it in Tokyo",  # units' examples all carry numbers
        "hello there",
        "book a table: two people, tonight",  # a short text is no prose to summarize
    ],
)
def test_a_part_no_function_takes_goes_nowhere(matcher: FunctionMatcher, part: str) -> None:
    assert matcher.choose(part) is None


def test_what_examples_show_is_what_a_function_takes() -> None:
    assert CALCULATOR.needs_numbers
    assert UNITS.needs_numbers
    assert not SUMMARIZER.needs_numbers
    assert UNITS.kinds == {Kind.CONVERSION}
    assert CALCULATOR.kinds == {Kind.ARITHMETIC}
    assert DOCS.kinds == frozenset()
    assert not DOCS.needs_numbers
    assert SUMMARIZER.is_fallback
    assert not DOCS.is_fallback


def test_without_a_fallback_prose_after_an_instruction_nothing_fits_goes_nowhere() -> None:
    matcher = FunctionMatcher([CALCULATOR, DOCS])
    assert matcher.choose(f"give me the gist of this: {PROSE}") is None


def test_times_as_multiplied_by_is_no_time_of_day() -> None:
    # Stemmed to "time", "and times 4" was routed to the calendar agent's time zones.
    assert "time" not in stems("and times 4")
    assert "time" in stems("what time is it in Tokyo")
