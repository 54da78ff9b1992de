"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live server.

Every page a test opens is watched: a `console.error`, an uncaught page error or a failed
request fails the test (after it ran), unless the test allowed that message with a reason
(`page.allow_console_error(pattern, reason)`); the few things always allowed are listed in
ALWAYS_ALLOWED, each with its reason. Pages open at 1280×720. Screenshots go to
var/test-artifacts/ (git-ignored); `axe_check` runs axe-core (from npm) on the current page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("MODELER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests
# themselves (fixtures, assertions) are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("MODELER_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and MODELER_REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 720}

# (pattern, reason): what a page may report without failing its test.
ALWAYS_ALLOWED = [
    (
        r"net::ERR_ABORTED",
        "a navigation, a reload or a download cancels the requests still pending on the page; "
        "Chromium reports each as aborted",
    ),
]


@pytest.fixture
def new_page(browser, live_server, request):
    contexts = []
    reports: list[tuple[object, str]] = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.allowed_errors = []

        def allow(pattern: str, reason: str) -> None:
            assert reason, "say why this error is expected"
            page.allowed_errors.append((pattern, reason))

        page.allow_console_error = allow
        page.on(
            "console",
            lambda message: (
                reports.append((page, f"console.error: {message.text}")) if message.type == "error" else None
            ),
        )
        page.on("pageerror", lambda error: reports.append((page, f"page error: {error}")))
        page.on(
            "requestfailed",
            lambda req: reports.append((page, f"request failed: {req.method} {req.url} {req.failure}")),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    unexpected = [
        text
        for page, text in reports
        if not any(re.search(pattern, text) for pattern, _ in [*ALWAYS_ALLOWED, *page.allowed_errors])
    ]
    if unexpected and not getattr(request.node, "rep_call_failed", False):
        pytest.fail("The browser reported errors:\n" + "\n".join(unexpected), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.rep_call_failed = True


@pytest.fixture
def screenshot(request):
    """screenshot(page, "state-name") → var/test-artifacts/<test>/<nn>-state-name.png"""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    taken = []

    def take(page, name: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path))
        taken.append(path)
        return path

    return take


@pytest.fixture
def axe_check():
    """axe_check(page, label) → the serious and critical violations of axe-core on the page.

    axe-core comes from npm (node_modules/axe-core); the page's context must bypass the CSP
    (`new_page(bypass_csp=True)`) for the script to be injected."""
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing: run bin/setup")

    def check(page, label: str) -> list[str]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            ".map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)"
        )
        return [f"{label}: {text}" for text in result]

    return check


@pytest.fixture
def sign_in():
    from tests.factories import PASSWORD

    def do(page, user):
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        # a modeler lands on the project list; other roles on their own start page
        page.wait_for_url(lambda url: "/login/" not in url)

    return do
