"""Error shapes: a request the agent cannot read gets a JSON-RPC error object, not a crash.

JSON-RPC 2.0 (section 5): the response carries `jsonrpc: "2.0"`, the
request's `id` (null when it could not be read) and `error` with an integer
`code` and a string `message`; -32700 parse error, -32601 method not found,
-32602 invalid params. A 5xx or a non-JSON body means the agent crashed on it.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.checks.hints import sidecar_hint
from conformance.ports import AgentChannel, HttpAnswer
from conformance.results import CheckResult, failed, passed

__all__ = ["check_error_shapes"]

_ID = "conformance-1"
# name: (body, expected code or None for "any error", expected id)
_CASES: dict[str, tuple[bytes, int | None, str | None]] = {
    "jsonrpc.parse-error": (b'{"jsonrpc": "2.0", "method": ', -32700, None),
    "jsonrpc.unknown-method": (
        json.dumps({"jsonrpc": "2.0", "id": _ID, "method": "NoSuchMethod", "params": {}}).encode(),
        -32601,
        _ID,
    ),
    "jsonrpc.invalid-params": (
        json.dumps(
            {"jsonrpc": "2.0", "id": _ID, "method": "SendMessage", "params": {"message": 42}}
        ).encode(),
        None,
        _ID,
    ),
}
_FIX = (
    "let the A2A SDK's JSON-RPC server answer it (or answer the JSON-RPC 2.0 error object yourself)"
)


async def check_error_shapes(channel: AgentChannel, app_id: str) -> list[CheckResult]:
    """Send each malformed request; each must draw a JSON-RPC error object."""
    results = []
    for name, (body, code, request_id) in _CASES.items():
        answer = await channel.post_rpc(app_id, body, what=f"POST {name}")
        results.append(_judge(name, answer, code, request_id))
    return results


def _judge(name: str, answer: HttpAnswer, code: int | None, request_id: str | None) -> CheckResult:
    hint = sidecar_hint(answer.status, answer.text)
    if hint is not None:
        return failed(name, f"HTTP {answer.status}: {hint}")
    if answer.status >= 500:
        return failed(name, f"answered HTTP {answer.status} ({answer.text[:120]!r}): {_FIX}")
    try:
        body: Any = answer.json()
    except ValueError:
        return failed(name, f"answered HTTP {answer.status} with a non-JSON body: {_FIX}")
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or body.get("jsonrpc") != "2.0":
        return failed(
            name, f"the answer is no JSON-RPC 2.0 error object ({answer.text[:120]!r}): {_FIX}"
        )
    if not isinstance(error.get("code"), int) or not isinstance(error.get("message"), str):
        return failed(name, "error needs an integer code and a string message (JSON-RPC 2.0, 5.1)")
    if code is not None and error["code"] != code:
        return failed(name, f"error code {error['code']}, expected {code} (JSON-RPC 2.0, 5.1)")
    if "id" not in body or body["id"] != request_id:
        return failed(
            name, f"id is {body.get('id')!r}, expected {request_id!r} (echo the request id)"
        )
    return passed(
        name, f"HTTP {answer.status}, JSON-RPC error {error['code']} {error['message'][:60]!r}"
    )
