// The public API as the console uses it: the credential, JSON calls, and a
// server-sent event stream read with fetch (EventSource cannot send a header).

const KEY = "hubspoke.credential";

export function credential() {
  return sessionStorage.getItem(KEY);
}

export function keepCredential(value) {
  sessionStorage.setItem(KEY, value.trim());
}

export function forgetCredential() {
  sessionStorage.removeItem(KEY);
}

function authHeaders() {
  const value = credential() || "";
  // A JWT (three base64url parts) is an Entra ID token; anything else an API key.
  if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(value)) {
    return { Authorization: `Bearer ${value}` };
  }
  return { "X-API-Key": value };
}

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// A 403: the caller is signed in but lacks the operator role this view needs.
export function forbidden(error) {
  return error instanceof ApiError && error.status === 403;
}

// One JSON call; resolves with the body, rejects with an ApiError (status, problem).
export async function call(method, path, body) {
  const headers = { ...authHeaders(), Accept: "application/json" };
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const reply = await fetch(path, init);
  const text = await reply.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!reply.ok) {
    throw new ApiError(reply.status, parsed);
  }
  return parsed;
}

// Reads `path` as server-sent events until `signal` aborts or the stream ends;
// calls onEvent(name, data) for each event (data parsed as JSON).
export async function stream(path, onEvent, signal) {
  const reply = await fetch(path, {
    headers: { ...authHeaders(), Accept: "text/event-stream" },
    cache: "no-store",
    signal,
  });
  if (!reply.ok) {
    throw new ApiError(reply.status, null);
  }
  const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffered += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}
