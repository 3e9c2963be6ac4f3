"""Print a trace from the local receiver's file as an indented waterfall.

python -m launcher.traces                 # the latest traces, one line each
python -m launcher.traces <trace-id>      # one trace as a tree with timings
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from launcher.toolchain import REPO_ROOT

__all__ = ["load_spans", "waterfall"]


def load_spans(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def waterfall(spans: list[dict[str, Any]], width: int = 40) -> str:
    """The spans of one trace as a tree: offset and duration in ms, and a bar."""
    if not spans:
        return "(no spans)"
    ids = {s["span_id"] for s in spans}
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for span in spans:
        parent = span["parent_span_id"] if span["parent_span_id"] in ids else ""
        children[parent].append(span)
    start = min(s["start_ns"] for s in spans)
    total = max(max(s["end_ns"] for s in spans) - start, 1)
    lines = []

    def walk(span: dict[str, Any], depth: int) -> None:
        offset = (span["start_ns"] - start) / 1e6
        duration = (span["end_ns"] - span["start_ns"]) / 1e6
        left = int(width * (span["start_ns"] - start) / total)
        bar = " " * left + "█" * max(1, int(width * (span["end_ns"] - span["start_ns"]) / total))
        who = f"{span['service']}{'' if span.get('process') == 'app' else ' (daprd)'}"
        label = f"{'  ' * depth}{who}: {span['name']}"
        lines.append(f"{offset:8.1f} {duration:8.1f}  {bar:<{width}}  {label}")
        for child in sorted(children[span["span_id"]], key=lambda s: s["start_ns"]):
            walk(child, depth + 1)

    for root in sorted(children[""], key=lambda s: s["start_ns"]):
        walk(root, 0)
    header = f"{'start ms':>8} {'dur ms':>8}  {'':<{width}}  span"
    return "\n".join([header, *lines])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m launcher.traces")
    parser.add_argument("trace_id", nargs="?")
    parser.add_argument("--file", type=Path, default=REPO_ROOT / ".run" / "traces.jsonl")
    parser.add_argument("--last", type=int, default=10)
    args = parser.parse_args()
    spans = load_spans(args.file)
    if args.trace_id:
        print(waterfall([s for s in spans if s["trace_id"] == args.trace_id]))
        return
    # Requests that came in from outside (not the background heartbeats and probes).
    roots = [s for s in spans if not s["parent_span_id"] and s["kind"] == "server"]
    for root in sorted(roots, key=lambda s: s["start_ns"])[-args.last :]:
        duration = (root["end_ns"] - root["start_ns"]) / 1e6
        print(f"{root['trace_id']}  {duration:8.1f} ms  {root['service']}: {root['name']}")


if __name__ == "__main__":
    main()
