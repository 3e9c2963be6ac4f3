// The operator console: sign in, then the registry, tasks live, approvals, dead letters.

import { call, credential, keepCredential, forgetCredential, ApiError } from "./api.js";
import { agentsView } from "./agents.js";
import { tasksView } from "./tasks.js";
import { opsView } from "./ops.js";

const REFRESH_MS = 2000;

const $ = (id) => document.getElementById(id);
let timer = null;

function setLive(state) {
  $("live-state").textContent = state;
  $("live-state").className = `badge ${state}`;
}

function report(message) {
  $("live-state").title = message;
}

const agents = agentsView(report);
const tasks = tasksView(report, setLive);
const ops = opsView(report);

function signedOut(message) {
  clearInterval(timer);
  tasks.stop();
  forgetCredential();
  $("console").hidden = true;
  $("who").hidden = true;
  $("sign-in").hidden = false;
  $("sign-in-error").textContent = message || "";
}

async function refreshAll() {
  try {
    await Promise.all([agents.refresh(), ops.refresh()]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signedOut("signed out: " + error.message);
    else report(error.message);
  }
}

async function start() {
  try {
    await agents.refresh(); // proves the credential before anything else runs
  } catch (error) {
    signedOut(error instanceof ApiError && error.status === 401 ? error.message : String(error));
    return;
  }
  $("sign-in").hidden = true;
  $("console").hidden = false;
  $("who").hidden = false;
  await refreshAll();
  timer = setInterval(refreshAll, REFRESH_MS);
  tasks.follow();
}

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  keepCredential($("credential").value);
  $("credential").value = "";
  start();
});
$("sign-out").addEventListener("click", () => signedOut("signed out"));

if (credential()) start();
