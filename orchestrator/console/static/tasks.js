// Tasks: the live feed (server-sent events), one task's steps and trace, and sending one.

import { call, stream } from "./api.js";
import { el, badge, clock } from "./dom.js";
import { waterfall } from "./waterfall.js";

const KEPT = 50;

export function tasksView(report, setLive) {
  const tasks = new Map(); // id -> task, in arrival order; rendered newest first
  const rows = document.getElementById("tasks-rows");
  let selected = null;
  let sent = null; // the task sent from this page: its line follows the feed
  let feed = null;

  function render() {
    const newest = [...tasks.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
    rows.replaceChildren(...newest.slice(0, KEPT).map(taskRow));
    if (selected && tasks.has(selected)) showTask(tasks.get(selected), false);
  }

  function taskRow(task) {
    return el(
      "tr",
      {
        "data-task": task.id,
        className: task.id === selected ? "selected clickable" : "clickable",
        onclick: () => select(task.id),
      },
      el("td", {}, clock(task.created_at)),
      el("td", { className: "mono" }, task.id.slice(0, 8)),
      el("td", { className: "input" }, task.input),
      el("td", {}, badge(task.status)),
      el("td", {}, task.agents.join(", ")),
      el("td", { className: "number" }, task.steps.length),
    );
  }

  function select(id) {
    selected = id;
    render();
    showTask(tasks.get(id), true);
  }

  function showTask(task, withTrace) {
    document.getElementById("task-detail").hidden = false;
    document.getElementById("task-title").textContent = `Task ${task.id}`;
    const facts = [
      ["Status", badge(task.status)],
      ["Input", task.input],
      ["Answer", task.output || task.error || ""],
      ["Agents", task.agents.join(", ")],
      ["Mode", task.mode],
      ["Created", new Date(task.created_at).toLocaleString()],
      ["Trace id", el("span", { className: "mono" }, task.trace_id || "none")],
    ];
    document.getElementById("task-facts").replaceChildren(
      ...facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]),
    );
    document.getElementById("task-steps").replaceChildren(
      ...task.steps.map((s) =>
        el("li", { className: "step" }, badge(s.status), " ",
          el("strong", {}, s.agent), s.skill ? ` / ${s.skill}` : "", ` — ${s.input}`,
          el("div", { className: "hint" }, s.output || s.error || "")),
      ),
    );
    if (withTrace) loadTrace(task);
  }

  async function loadTrace(task) {
    const box = document.getElementById("trace");
    const note = document.getElementById("trace-note");
    box.replaceChildren();
    note.textContent = "loading the trace…";
    try {
      const trace = await call("GET", `/v1/tasks/${task.id}/trace`);
      box.replaceChildren(...waterfall(trace.spans));
      note.textContent = `${trace.spans.length} spans in trace ${trace.trace_id}`;
    } catch (error) {
      note.textContent = `no trace: ${error.message}`;
    }
  }

  function upsert(task) {
    tasks.set(task.id, task);
    render();
    if (task.id === sent) showSent(task);
  }

  function showSent(task) {
    document.getElementById("send-result").replaceChildren(
      `task ${task.id.slice(0, 8)}: `, badge(task.status),
      task.output || task.error ? ` ${task.output || task.error}` : "");
  }

  const handlers = {
    "task.created": upsert,
    "task.updated": upsert,
    "task.completed": upsert,
    "task.step": (data) => {
      const task = tasks.get(data.task_id);
      if (!task) return;
      task.steps[data.index] = data.step;
      upsert(task);
    },
  };

  async function follow() {
    feed = new AbortController();
    const signal = feed.signal;
    while (!signal.aborted) {
      try {
        setLive("live");
        await stream(`/v1/tasks/events?limit=${KEPT}`, (n, d) => handlers[n]?.(d), signal);
      } catch (error) {
        if (signal.aborted) return;
        setLive("reconnecting");
      }
      await new Promise((resume) => setTimeout(resume, 2000));
    }
  }

  function stop() {
    if (feed) feed.abort();
  }

  document.getElementById("trace-reload").addEventListener("click", () => {
    if (selected && tasks.has(selected)) loadTrace(tasks.get(selected));
  });

  document.getElementById("send-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = document.getElementById("send-result");
    const body = { input: document.getElementById("task-input").value.trim() };
    const agent = document.getElementById("task-agent").value.trim();
    if (agent) body.agent = agent;
    body.mode = document.getElementById("task-mode").value;
    result.textContent = "sending…";
    try {
      const task = await call("POST", "/v1/tasks", body);
      sent = task.id;
      const known = tasks.get(task.id);
      // The feed may have brought a newer state of it before this reply arrived.
      upsert(known && known.status !== "queued" ? known : task);
    } catch (error) {
      result.textContent = `refused: ${error.message}`;
      report(error.message);
    }
  });

  return { follow, stop };
}
