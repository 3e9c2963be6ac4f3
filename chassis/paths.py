"""Which request paths could name another route once decoded (pure: no I/O, no web framework).

daprd checks its access policy on the method path as it received it and
forwards that path to the app undecoded; a router that decodes then sees
other segments (`v1%2Factivity` is one segment to the policy, `/v1/activity`
to Starlette). `path_ambiguity` names why a raw path is unsafe to route:

- an encoded separator or delimiter: `%2F` `/`, `%5C` `\\`, `%23` `#`, `%3F` `?`;
- an encoded `%` (`%25`: double encoding) or a malformed escape;
- an encoded unreserved character (letters, digits, `-._~`, RFC 3986 2.3:
  equivalent to the character itself, so only ever a disguise), dots included;
- a control character, raw or encoded (0x00-0x1F, 0x7F);
- a raw backslash or `#`, a `.` or `..` segment, an empty segment (`//`, a
  trailing `/`).

Other escapes (a space, UTF-8 text) cannot change the segments and pass.
Apps refuse such paths (chassis.raw_path); callers never build such a method.
"""

from __future__ import annotations

import string

__all__ = ["method_ambiguity", "path_ambiguity"]

_HEX = frozenset(string.hexdigits.encode())
_UNRESERVED = frozenset((string.ascii_letters + string.digits + "-._~").encode())
_DELIMITERS = {ord("/"): "/", ord("\\"): "\\", ord("#"): "#", ord("?"): "?", ord("%"): "%"}


def _control(byte: int) -> bool:
    return byte < 0x20 or byte == 0x7F


def _escape_ambiguity(value: int, escape: str) -> str | None:
    if value in _DELIMITERS:
        return f"an encoded {_DELIMITERS[value]!r} ({escape})"
    if _control(value):
        return f"an encoded control character ({escape})"
    if value in _UNRESERVED:
        return f"an encoded {chr(value)!r} ({escape}), which is the same as the character itself"
    return None


def _escapes_ambiguity(raw: bytes) -> str | None:
    index = raw.find(b"%")
    while index != -1:
        escape = raw[index + 1 : index + 3]
        if len(escape) != 2 or not set(escape) <= _HEX:
            return "a malformed percent-encoding"
        reason = _escape_ambiguity(int(escape, 16), "%" + escape.decode().upper())
        if reason is not None:
            return reason
        index = raw.find(b"%", index + 3)
    return None


def _segments_ambiguity(raw: bytes) -> str | None:
    if raw == b"/":
        return None
    if not raw.startswith(b"/"):
        return "a path that does not start with '/'"
    for segment in raw[1:].split(b"/"):
        if segment == b"":
            return "an empty segment ('//' or a trailing '/')"
        if segment in (b".", b".."):
            return f"a dot segment ({segment.decode()!r})"
    return None


def path_ambiguity(raw: bytes) -> str | None:
    """Why the raw request path (bytes before `?`) may name another route decoded, or None."""
    if any(_control(byte) for byte in raw):
        return "a control character"
    for byte, name in ((ord("\\"), "a backslash"), (ord("#"), "a '#'")):
        if byte in raw:
            return name
    return _escapes_ambiguity(raw) or _segments_ambiguity(raw)


def method_ambiguity(method: str) -> str | None:
    """Why a Dapr invocation method (`a2a`, `.well-known/agent-card.json`) is unsafe to send.

    The method becomes the path the target app routes on, so the same rules apply;
    a caller that builds one checks it before any call.
    """
    return path_ambiguity((method if method.startswith("/") else "/" + method).encode())
