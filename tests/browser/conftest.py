"""Real-browser journeys: Playwright driving Debian's Chromium against the live test server.

Each journey runs at a phone viewport and at a desktop one. A failing journey leaves a screenshot
in test-artifacts/ for a person to look at.

Every page state a journey meets is checked with axe-core (vendored in vendor/axe-core/) at both
sizes, phone and desktop: before each action a journey takes on a page (goto, click, fill, a key
press, ...) and once more on every open page at the end of the journey, the page is scanned unless
that very state (address and markup) was scanned already. Any violation fails the journey with a
list of rule, impact, elements and address. The script is evaluated through the DevTools protocol,
which the site's Content-Security-Policy (no inline scripts) does not apply to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

from tests.browser import accessibility
from tsunagu.bench.phone import CHROMIUM, CHROMIUM_ARGS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS: dict[str, ViewportSize] = {
    "phone": accessibility.PHONE,
    "desktop": accessibility.DESKTOP,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run scripts/bootstrap.sh test")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def demo(db: None) -> None:
    """The demo data (`seed_demo`): the supplier, its buyers and their people."""
    call_command("seed_demo", verbosity=0)


SCANNER = pytest.StashKey[accessibility.AccessibilityScanner]()


@pytest.fixture(scope="session")
def axe(
    request: pytest.FixtureRequest, browser: Browser
) -> Iterator[accessibility.AccessibilityScanner]:
    """The axe-core scanner every journey's actions go through (see accessibility.py)."""
    scanner = accessibility.AccessibilityScanner()
    request.config.stash[SCANNER] = scanner
    with pytest.MonkeyPatch.context() as monkeypatch:
        accessibility.install(monkeypatch, scanner, browser)
        yield scanner


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    scanner = terminalreporter.config.stash.get(SCANNER, None)
    if scanner is not None:
        terminalreporter.write_line(accessibility.summary(scanner))


@pytest.fixture(params=list(VIEWPORTS))
def page(
    request: pytest.FixtureRequest, browser: Browser, axe: accessibility.AccessibilityScanner
) -> Iterator[Page]:
    context = browser.new_context(
        viewport=VIEWPORTS[request.param],
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        is_mobile=request.param == "phone",
        has_touch=request.param == "phone",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A journey fails when a page state it met has an accessibility violation."""
    funcargs = getattr(item, "funcargs", {})
    scanner = funcargs.get("axe")
    browser = funcargs.get("browser")
    if not isinstance(scanner, accessibility.AccessibilityScanner) or browser is None:
        return (yield)
    scanner.start()
    try:
        result = yield
    except BaseException:
        found = scanner.stop()
        if found:
            item.add_report_section("call", "accessibility", accessibility.report(found, 0))
        raise
    for context in browser.contexts:
        scanner.scan_all(context.pages)
    scanned = scanner.scanned
    found = scanner.stop()
    if found:
        pytest.fail(accessibility.report(found, scanned), pytrace=False)
    return result
