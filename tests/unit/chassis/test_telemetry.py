"""Sampling: configurable with the standard variables, but a caller's flag cannot lower it."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from chassis.telemetry import CallerProofSampler

SAMPLED, NOT_SAMPLED = TraceFlags(TraceFlags.SAMPLED), TraceFlags(TraceFlags.DEFAULT)


def configured(monkeypatch: pytest.MonkeyPatch, name: str, arg: str = "") -> CallerProofSampler:
    """The sampler the chassis builds from OTEL_TRACES_SAMPLER(_ARG)."""
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", name)
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", arg)
    return CallerProofSampler(TracerProvider().sampler)


def decide(
    sampler: CallerProofSampler, trace_id: int, flags: TraceFlags | None, *, remote: bool = True
) -> Decision:
    parent = None
    if flags is not None:
        span = NonRecordingSpan(SpanContext(trace_id, 0x1234, is_remote=remote, trace_flags=flags))
        parent = trace.set_span_in_context(span)
    return sampler.should_sample(parent, trace_id, "span").decision


def test_sampled_out_remote_parent_is_recorded_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sampler = configured(monkeypatch, "parentbased_always_on")
    assert decide(sampler, 0xABC, NOT_SAMPLED) is Decision.RECORD_AND_SAMPLE
    assert decide(sampler, 0xABC, None) is Decision.RECORD_AND_SAMPLE


def test_local_sampled_out_parent_stays_sampled_out(monkeypatch: pytest.MonkeyPatch) -> None:
    # Our own decision, taken in this process: its children follow it.
    sampler = configured(monkeypatch, "parentbased_always_on")
    assert decide(sampler, 0xABC, NOT_SAMPLED, remote=False) is Decision.DROP


def test_configured_ratio_decides_as_for_a_new_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    sampler = configured(monkeypatch, "parentbased_traceidratio", "0.5")
    trace_ids = [i * 0x0123456789ABCDEF % (1 << 128) for i in range(1, 200)]
    decisions = [decide(sampler, t, NOT_SAMPLED) for t in trace_ids]
    assert decisions == [decide(sampler, t, None) for t in trace_ids]
    assert {Decision.DROP, Decision.RECORD_AND_SAMPLE} == set(decisions)


def test_operator_can_still_turn_sampling_down(monkeypatch: pytest.MonkeyPatch) -> None:
    sampler = configured(monkeypatch, "parentbased_traceidratio", "0")
    assert decide(sampler, 0xABC, NOT_SAMPLED) is Decision.DROP
    assert decide(sampler, 0xABC, None) is Decision.DROP
    # Parent-based as configured: what our sidecar sampled stays whole.
    assert decide(sampler, 0xABC, SAMPLED) is Decision.RECORD_AND_SAMPLE
    assert decide(configured(monkeypatch, "always_off"), 0xABC, SAMPLED) is Decision.DROP


def test_callers_tracestate_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    sampler = configured(monkeypatch, "parentbased_always_on")
    state = trace.TraceState([("vendor", "value")])
    span = NonRecordingSpan(
        SpanContext(0xABC, 0x1234, is_remote=True, trace_flags=NOT_SAMPLED, trace_state=state)
    )
    result = sampler.should_sample(trace.set_span_in_context(span), 0xABC, "span")
    assert result.trace_state == state
