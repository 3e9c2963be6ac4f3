// The registry: agents (health, instances, version, evaluation, pause) and refusals.

import { call, ApiError } from "./api.js";
import { el, badge, ago } from "./dom.js";

function evaluation(agent) {
  const found = agent.evaluation;
  if (!found) return el("span", { className: "hint" }, "n/a");
  const cell = [badge(found.state)];
  if (found.failure) {
    const f = found.failure;
    cell.push(el("div", { className: "hint" }, `${f.skill}: ${f.reason}`));
  }
  return cell;
}

function paused(agent) {
  if (agent.paused === undefined) return el("span", { className: "hint" }, "n/a");
  if (agent.paused === null) return "no";
  const p = agent.paused;
  return [badge("paused"), el("div", { className: "hint" }, `${p.reason} (${p.by}, ${ago(p.at)})`)];
}

function row(agent, onPause, onResume) {
  let action = null;
  if (agent.paused === null) {
    action = el("button", { type: "button", onclick: () => onPause(agent.app_id) }, "Pause");
  } else if (agent.paused) {
    action = el("button", { type: "button", onclick: () => onResume(agent.app_id) }, "Resume");
  }
  return el(
    "tr",
    { "data-agent": agent.app_id },
    el("td", {}, el("strong", {}, agent.app_id), el("div", { className: "hint" }, agent.name)),
    el("td", {}, agent.version),
    el("td", {}, badge(agent.health)),
    el("td", { className: "number" }, agent.live_instances),
    el("td", {}, evaluation(agent)),
    el("td", {}, paused(agent)),
    el("td", {}, ago(agent.last_seen)),
    el("td", {}, action),
  );
}

export function agentsView(report) {
  const rows = document.getElementById("agents-rows");
  const note = document.getElementById("agents-note");
  const dialog = document.getElementById("pause-dialog");
  const reason = document.getElementById("pause-reason");
  let pausing = null;

  async function refresh() {
    const listed = await call("GET", "/v1/agents");
    rows.replaceChildren(...listed.agents.map((a) => row(a, askPause, resume)));
    note.textContent = `${listed.count} agents`;
    await refreshRefusals();
  }

  async function refreshRefusals() {
    const list = document.getElementById("refusals-list");
    const found = await call("GET", "/v1/agents/refusals");
    const items = found.refusals.map((r) =>
      el("li", {}, el("strong", {}, r.app_id), ` ${r.reason} `,
        el("span", { className: "hint" }, ago(r.at))),
    );
    list.replaceChildren(...(items.length ? items : [el("li", { className: "hint" }, "none")]));
  }

  function askPause(appId) {
    pausing = appId;
    document.getElementById("pause-title").textContent = `Pause ${appId}`;
    reason.value = "";
    dialog.showModal();
  }

  async function switchPause(appId, verb, body) {
    try {
      await call("POST", `/v1/agents/${encodeURIComponent(appId)}/${verb}`, body);
    } catch (error) {
      report(error instanceof ApiError ? `${verb} ${appId}: ${error.message}` : String(error));
    }
    await refresh();
  }

  function resume(appId) {
    return switchPause(appId, "resume", {});
  }

  document.getElementById("pause-form").addEventListener("submit", (event) => {
    event.preventDefault();
    dialog.close();
    if (pausing) switchPause(pausing, "pause", { reason: reason.value.trim() });
  });
  document.getElementById("pause-cancel").addEventListener("click", () => dialog.close());

  return { refresh };
}
