"""The text to summarise is set apart from the instruction asking for it."""

from __future__ import annotations

import pytest

from phrasing.instructions import text_to_summarize

TEXT = "The registry keeps agents. It removes stale ones."


@pytest.mark.parametrize(
    "request_text",
    [
        f"shorten this: {TEXT}",
        f"please sum up the following: {TEXT}",
        f"Can you give me a short summary of this text? -- {TEXT}",
        f"tl;dr {TEXT}",
        f"summarize {TEXT}",
        f"TL;DR:\n{TEXT}",
    ],
)
def test_the_instruction_is_not_part_of_the_text(request_text: str) -> None:
    assert text_to_summarize(request_text) == TEXT


def test_a_text_without_an_instruction_is_all_text() -> None:
    text = "Note: the registry keeps agents. It removes stale ones."
    assert text_to_summarize(text) == text
