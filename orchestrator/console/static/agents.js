// The registry: agents (health, instances, version, evaluation, pause) and refusals.

import { call, forbidden, ApiError } from "./api.js";
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

// Without the operator role (onPause null) an agent shows no pause or resume button.
function row(agent, onPause, onResume) {
  let action = null;
  if (onPause && agent.paused === null) {
    action = el("button", { type: "button", onclick: () => onPause(agent.app_id) }, "Pause");
  } else if (onResume && agent.paused) {
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
  let operator = true; // until the refusals (an operator's view) answer 403

  async function refresh() {
    const listed = await call("GET", "/v1/agents");
    await refreshRefusals();
    const [onPause, onResume] = operator ? [askPause, resume] : [null, null];
    rows.replaceChildren(...listed.agents.map((a) => row(a, onPause, onResume)));
    note.textContent = `${listed.count} agents`;
    if (!operator) note.textContent += " · pausing an agent needs the operator role";
  }

  async function refreshRefusals() {
    const list = document.getElementById("refusals-list");
    let found;
    try {
      found = await call("GET", "/v1/agents/refusals");
      operator = true;
    } catch (error) {
      if (!forbidden(error)) throw error;
      operator = false;
      const note = `only an operator sees refused registrations: ${error.message}`;
      list.replaceChildren(el("li", { className: "hint" }, note));
      return;
    }
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
