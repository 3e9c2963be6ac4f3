"""The operator console in a real browser (Debian's Chromium driven by Playwright) on a real stack.

It signs in with the run's API key, sees the agents, sends "What is 2+3?",
watches it complete through the live feed (the task is sent asynchronously:
its completion reaches the page only over the server-sent events), opens the
task's trace waterfall, approves a waiting step, and pauses and resumes an
agent. A key without the operator role signs in too, and is told why the
operator's views are empty. Screenshots go to tests/artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from launcher import LocalStack
from tests.integration.conftest import AGENTS, module_stack

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
# Calls of skills tagged `conversion` (the units agent) wait for an operator's approval.
# The registry keeps its default timings: with the fast ones of other tests a starved
# machine delays heartbeats past the 5 s removal, and the task finds no agent.
CONSOLE_ENV = {"ORCHESTRATOR_APPROVAL_TAGS": "conversion"}
VIEWER_KEY = secrets.token_urlsafe(24)
WAIT_MS = 120_000  # generous: the machine is shared; waits end as soon as the page shows it


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("console"),
        env=CONSOLE_ENV,
        extra_api_keys=(f"viewer={VIEWER_KEY}",),  # no role: not an operator
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make bootstrap` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser: Browser, console_stack: LocalStack) -> Iterator[Page]:
    """The console, signed in; fails a test that left a script error or a CSP violation."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A 4xx answer is logged too ("Failed to load resource"): the page handles those.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.goto(f"{console_stack.endpoints['orchestrator'].app_url}/console")
    opened.fill("#credential", console_stack.api_key)
    opened.click("#sign-in-form button[type=submit]")
    expect(opened.locator("#console")).to_be_visible(timeout=WAIT_MS)
    yield opened
    context.close()
    assert problems == [], f"the page logged errors: {problems}"


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def _send(page: Page, text: str) -> str:
    """Send a task from the console's box (async); its id, from the box's answer."""
    page.fill("#task-input", text)
    page.select_option("#task-mode", "async")
    page.click("#send-form button[type=submit]")
    expect(page.locator("#send-result")).to_contain_text("task ", timeout=WAIT_MS)
    short = page.locator("#send-result").inner_text().split()[1].rstrip(":")
    row = page.locator(f"#tasks-rows tr[data-task^='{short}']")
    expect(row).to_be_visible(timeout=WAIT_MS)
    task_id = row.get_attribute("data-task")
    assert task_id is not None
    return task_id


def _api(stack: LocalStack, method: str, path: str) -> httpx.Response:
    with stack.client("orchestrator") as client:
        return client.request(method, path)


def test_the_console_shows_the_agents_and_a_task_live_with_its_trace(
    page: Page, console_stack: LocalStack
) -> None:
    for agent in AGENTS:
        row = page.locator(f"#agents-rows tr[data-agent='{agent}']")
        expect(row.locator(".badge.healthy")).to_be_visible(timeout=WAIT_MS)
    _shot(page, "01-agents")

    task_id = _send(page, "What is 2+3?")
    row = page.locator(f"#tasks-rows tr[data-task='{task_id}']")
    # Queued when sent: only the live feed can bring its completion to the page.
    expect(row).to_contain_text("completed", timeout=WAIT_MS)
    expect(row).to_contain_text("calculator")
    stored = _api(console_stack, "GET", f"/v1/tasks/{task_id}").json()
    assert stored["status"] == "completed"
    assert "5" in stored["output"]

    row.click()
    expect(page.locator("#task-facts")).to_contain_text(stored["output"])
    expect(page.locator("#task-steps")).to_contain_text("calculator")
    # Spans reach the receiver within about a second of their end: reload until they show.
    deadline = time.monotonic() + WAIT_MS / 1000
    while page.locator("#trace .span-row").count() == 0 and time.monotonic() < deadline:
        page.click("#trace-reload")
        page.wait_for_timeout(1000)
    expect(page.locator("#trace .span-row").first).to_be_visible()
    expect(page.locator("#trace")).to_contain_text("orchestrator")
    expect(page.locator("#trace")).to_contain_text("calculator")
    expect(page.locator("#trace-note")).to_contain_text(stored["trace_id"])
    _shot(page, "02-task-trace")


def test_the_console_approves_a_waiting_step(page: Page, console_stack: LocalStack) -> None:
    task_id = _send(page, "convert 5 km to miles")
    waiting = page.locator(f"#approvals-list li[data-approval^='{task_id}/']")
    expect(waiting).to_be_visible(timeout=WAIT_MS)
    expect(waiting).to_contain_text("units")
    _shot(page, "03-approval-waiting")

    waiting.locator("input").fill("checked by the browser test")
    waiting.get_by_role("button", name="Approve").click()
    row = page.locator(f"#tasks-rows tr[data-task='{task_id}']")
    expect(row).to_contain_text("completed", timeout=WAIT_MS)
    expect(waiting).to_have_count(0, timeout=WAIT_MS)
    task = _api(console_stack, "GET", f"/v1/tasks/{task_id}").json()
    assert "mi" in task["output"]
    [approval] = task["approvals"]
    assert (approval["decision"], approval["comment"]) == (
        "approved",
        "checked by the browser test",
    )
    _shot(page, "04-approved")


def test_the_console_pauses_and_resumes_an_agent(page: Page, console_stack: LocalStack) -> None:
    row = page.locator("#agents-rows tr[data-agent='summarizer']")
    row.get_by_role("button", name="Pause").click()
    page.fill("#pause-reason", "maintenance window")
    page.click("#pause-confirm")
    expect(row).to_contain_text("maintenance window", timeout=WAIT_MS)
    assert _api(console_stack, "GET", "/v1/agents/summarizer").json()["paused"]["reason"] == (
        "maintenance window"
    )
    _shot(page, "05-paused")
    row.get_by_role("button", name="Resume").click()
    expect(row.get_by_role("button", name="Pause")).to_be_visible(timeout=WAIT_MS)
    assert _api(console_stack, "GET", "/v1/agents/summarizer").json()["paused"] is None


def test_a_wrong_key_is_refused_at_sign_in(browser: Browser, console_stack: LocalStack) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{console_stack.endpoints['orchestrator'].app_url}/console")
    page.fill("#credential", "not-the-key")
    page.click("#sign-in-form button[type=submit]")
    expect(page.locator("#sign-in-error")).to_contain_text("API key", timeout=WAIT_MS)
    expect(page.locator("#console")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0  # a refused key is not kept
    context.close()


def test_a_caller_without_the_operator_role_is_told_why_operator_views_are_empty(
    browser: Browser, console_stack: LocalStack
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{console_stack.endpoints['orchestrator'].app_url}/console")
    page.fill("#credential", VIEWER_KEY)
    page.click("#sign-in-form button[type=submit]")
    expect(page.locator("#console")).to_be_visible(timeout=WAIT_MS)
    role = "viewer lacks the 'operator' role"
    expect(page.locator("#approvals-note")).to_contain_text(role, timeout=WAIT_MS)
    expect(page.locator("#dead-letters-list")).to_contain_text(role, timeout=WAIT_MS)
    expect(page.locator("#refusals-list")).to_contain_text(role, timeout=WAIT_MS)
    row = page.locator("#agents-rows tr[data-agent='summarizer']")
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.get_by_role("button")).to_have_count(0)  # no pause for a non-operator
    expect(page.locator("#agents-note")).to_contain_text("needs the operator role")
    _shot(page, "06-no-operator-role")
    context.close()
