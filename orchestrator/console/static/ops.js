// What waits for an operator: approvals (approve / reject) and dead letters.

import { call, forbidden, ApiError } from "./api.js";
import { el, ago } from "./dom.js";

function approvalCard(approval, decide) {
  const comment = el("input", { placeholder: "comment (optional)", "aria-label": "comment" });
  const send = (decision) => decide(approval, decision, comment.value.trim());
  return el(
    "li",
    { "data-approval": `${approval.task_id}/${approval.step_id}` },
    el("div", {}, el("strong", {}, approval.agent), approval.skill ? ` / ${approval.skill}` : ""),
    el("div", { className: "input" }, approval.input),
    el("div", { className: "hint" },
      `task ${approval.task_id.slice(0, 8)} · asked ${ago(approval.requested_at)}`,
      approval.deadline ? ` · until ${new Date(approval.deadline).toLocaleTimeString()}` : ""),
    el("div", { className: "row" }, comment,
      el("button", { type: "button", className: "approve", onclick: () => send("approve") }, "Approve"),
      el("button", { type: "button", className: "reject", onclick: () => send("reject") }, "Reject")),
  );
}

export function opsView(report) {
  const approvals = document.getElementById("approvals-list");
  const approvalsNote = document.getElementById("approvals-note");
  const letters = document.getElementById("dead-letters-list");

  async function decide(approval, decision, comment) {
    const body = { decision };
    if (comment) body.comment = comment;
    try {
      await call("POST", `/v1/tasks/${approval.task_id}/approvals/${approval.step_id}`, body);
    } catch (error) {
      report(error.message);
    }
    await refresh();
  }

  async function refreshApprovals() {
    try {
      const found = await call("GET", "/v1/approvals");
      approvals.replaceChildren(...found.approvals.map((a) => approvalCard(a, decide)));
      approvalsNote.textContent = found.count ? "" : "nothing waits for approval";
    } catch (error) {
      if (forbidden(error)) {
        approvals.replaceChildren();
        approvalsNote.textContent = `only an operator sees approvals: ${error.message}`;
        return;
      }
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      approvals.replaceChildren();
      approvalsNote.textContent = "approvals are not available on this orchestrator";
    }
  }

  async function refreshLetters() {
    let found;
    try {
      found = await call("GET", "/v1/dead-letters");
    } catch (error) {
      if (!forbidden(error)) throw error;
      const note = `only an operator sees dead letters: ${error.message}`;
      letters.replaceChildren(el("li", { className: "hint" }, note));
      return;
    }
    const items = found.dead_letters.map((d) =>
      el("li", {}, el("span", { className: "mono" }, d.message_id.slice(0, 12)),
        ` ${d.topic || ""} — ${d.reason} `,
        el("span", { className: "hint" },
          `${d.task_id ? `task ${d.task_id.slice(0, 8)} · ` : ""}${ago(d.received_at)}`)),
    );
    letters.replaceChildren(...(items.length ? items : [el("li", { className: "hint" }, "none")]));
  }

  async function refresh() {
    await Promise.all([refreshApprovals(), refreshLetters()]);
  }

  return { refresh };
}
