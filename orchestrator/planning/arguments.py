"""The local model's tool-call arguments: a skill's structured arguments, read from the
part of the request routed to it, as a cloud model fills a tool's parameters.

A skill states its arguments as a JSON Schema (the card's `argumentsSchema`).
The arguments are read by the shape of that schema, with the same `phrasing`
code the agents use on a bare text (so the agent gets what it would have read
itself), and kept only when they validate against the schema:

- `{expression}`: the arithmetic in the part ("multiply 23 by 19" -> "23 * 19");
- `{text}`: the text to summarise, without the instruction asking for it;
- `{value, from, to}`: the quantity, its unit and the target unit, as pint reads
  them (`cues.conversion`).

A part they cannot be read from, or a schema of another shape, gets no
arguments: the agent then reads the text alone, as every agent can.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from orchestrator.planning.cues import conversion, is_arithmetic
from phrasing.arithmetic import to_expression
from phrasing.instructions import text_to_summarize

__all__ = ["fill_arguments"]

Extractor = Callable[[str], dict[str, Any] | None]


def _expression(part: str) -> dict[str, Any] | None:
    expression = to_expression(part)
    return {"expression": expression} if is_arithmetic(expression) else None


def _text(part: str) -> dict[str, Any] | None:
    text = text_to_summarize(part)
    return {"text": text} if text else None


def _quantity(part: str) -> dict[str, Any] | None:
    found = conversion(part)
    if found is None:
        return None
    value, unit, target = found
    return {"value": value, "from": unit, "to": target}


# A schema's property names -> how its arguments are read from a part of a request.
_EXTRACTORS: dict[frozenset[str], Extractor] = {
    frozenset({"expression"}): _expression,
    frozenset({"text"}): _text,
    frozenset({"value", "from", "to"}): _quantity,
}


# id(schema) -> (the schema, kept alive so its id stays its own; its validator or None).
_VALIDATORS: dict[int, tuple[Mapping[str, Any], Draft202012Validator | None]] = {}


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator | None:
    """The schema's validator, or None for a malformed schema. Built once per schema
    object: the planner hands the same one on every request until the card changes."""
    known = _VALIDATORS.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    try:
        Draft202012Validator.check_schema(schema)
        validator: Draft202012Validator | None = Draft202012Validator(schema)
    except SchemaError:
        validator = None
    if len(_VALIDATORS) >= 64:  # cards changed many times: start again
        _VALIDATORS.clear()
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def fill_arguments(part: str, schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """The arguments of a skill whose `argumentsSchema` is `schema`, read from `part`;
    empty when the skill takes none, the schema is of a shape not known here, or the
    part does not hold them (or what was read does not validate against the schema)."""
    properties = (schema or {}).get("properties")
    if not isinstance(properties, Mapping):
        return {}
    extract = _EXTRACTORS.get(frozenset(properties))
    arguments = extract(part) if extract is not None else None
    if not arguments:
        return {}
    assert schema is not None  # it has properties
    validator = _validator(schema)
    if validator is None or not validator.is_valid(arguments):
        return {}
    return arguments
