"""The calculator skill's structured arguments, as its card's argumentsSchema states them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ArithmeticArguments"]


class ArithmeticArguments(BaseModel):
    """What a planner (or any A2A client) may send as the message's data part."""

    model_config = ConfigDict(extra="forbid")

    expression: str = Field(
        min_length=1,
        max_length=200,
        description="One arithmetic expression, e.g. '23 * 19', 'sqrt(81)', '17% of 240'.",
    )
