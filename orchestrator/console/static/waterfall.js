// A trace as a waterfall: one row per span, indented under its parent, a bar
// placed by start and length on the trace's time line.

import { el } from "./dom.js";

function ordered(spans) {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map();
  for (const span of spans) {
    const parent = span.parent_span_id && ids.has(span.parent_span_id) ? span.parent_span_id : "";
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(span);
  }
  const rows = [];
  const visit = (parent, depth) => {
    const kids = (children.get(parent) || []).sort((a, b) => a.start_unix_nano - b.start_unix_nano);
    for (const span of kids) {
      rows.push([span, depth]);
      visit(span.span_id, depth + 1);
    }
  };
  visit("", 0);
  return rows;
}

export function waterfall(spans) {
  if (!spans.length) return [el("p", { className: "hint" }, "no spans yet (they arrive within a second or two)")];
  const start = Math.min(...spans.map((s) => s.start_unix_nano));
  const end = Math.max(...spans.map((s) => s.end_unix_nano));
  const total = Math.max(end - start, 1);
  return ordered(spans).map(([span, depth]) => {
    const ms = (span.end_unix_nano - span.start_unix_nano) / 1e6;
    const left = ((span.start_unix_nano - start) / total) * 100;
    const width = Math.max(((span.end_unix_nano - span.start_unix_nano) / total) * 100, 0.3);
    const bar = el("div", { className: `bar ${span.status ? "failed" : span.process || ""}` });
    // Placed through CSSOM, which the Content-Security-Policy allows (no inline style attribute).
    bar.style.marginLeft = `${left}%`;
    bar.style.width = `${width}%`;
    const label = el("div", { className: "label", title: span.status || span.name },
      el("span", { className: "service" }, `${span.service}${span.process === "daprd" ? " (daprd)" : ""}`),
      ` ${span.name}`);
    label.style.paddingLeft = `${depth * 0.9}em`;
    return el("div", { className: "span-row" }, label,
      el("div", { className: "track" }, bar), el("div", { className: "ms" }, `${ms.toFixed(1)} ms`));
  });
}
