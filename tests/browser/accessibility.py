"""axe-core scans of every page state the browser journeys meet, at phone and desktop size.

`AccessibilityScanner.scan(page)` runs axe on the page at its own viewport and again at the other
journey size, then puts the viewport back. A state is the page's address and its markup (CSRF
tokens left out), so a page changed by htmx or by opening a menu is scanned again, and a state
already scanned (in this journey or an earlier one) is not scanned twice: its result is reused.

`install(monkeypatch)` makes every Playwright action (Locator.click, Page.goto, Keyboard.press, ...)
scan the page it acts on first, so that no page state a journey interacts with goes unchecked.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Error,
    Keyboard,
    Locator,
    Page,
    ViewportSize,
)

AXE_DIR = Path(__file__).resolve().parent / "vendor" / "axe-core"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}

# The markup of the body, without the per-session CSRF tokens, hashed in the page: the state key.
STATE_SCRIPT = """() => {
  const html = document.documentElement.outerHTML.replace(/[A-Za-z0-9]{64}/g, "");
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < html.length; i++) {
    const c = html.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619) >>> 0;
    h2 = Math.imul(h2 + c, 2246822519) >>> 0;
  }
  const html_page = document.contentType === "text/html" && location.protocol.startsWith("http");
  return [html_page ? document.readyState : "skip", h1.toString(16) + h2.toString(16) + ":" + html.length];
}"""

# Default rules: WCAG 2.0/2.1/2.2 A and AA and the best practices axe enables by default.
RUN_SCRIPT = """async () => {
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const result = await axe.run(document, { resultTypes: ["violations"], iframes: false });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def axe_source() -> str:
    path = AXE_DIR / "axe.min.js"
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise RuntimeError(f"{path} is not axe-core {AXE_VERSION} (sha256 {digest})")
    return data.decode()


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    url: str
    viewport: str

    def __str__(self) -> str:
        targets = "\n      ".join(self.targets)
        return (
            f"- {self.rule} ({self.impact}) at {self.viewport} on {self.url}: {self.help}\n"
            f"      {targets}"
        )


@dataclass
class AccessibilityScanner:
    source: str = field(default_factory=axe_source)
    # (path, state, viewport) -> violations; shared by all journeys of the session
    results: dict[tuple[str, str, str], list[Violation]] = field(default_factory=dict)
    found: list[Violation] = field(default_factory=list)
    scanned: int = 0
    seconds: float = 0.0  # spent in axe over the session
    active: bool = False
    scanning: bool = False
    # Contexts made with JavaScript off: nothing can be evaluated in their pages.
    without_script: weakref.WeakSet[BrowserContext] = field(default_factory=weakref.WeakSet)

    def start(self) -> None:
        self.found = []
        self.scanned = 0
        self.active = True

    def stop(self) -> list[Violation]:
        self.active = False
        found, self.found = self.found, []
        return found

    def scan(self, page: Page) -> list[Violation]:
        """Scans the page's current state at phone and desktop size; the violations found."""
        if not self.active or self.scanning or page.is_closed():
            return []
        if page.context in self.without_script:
            return []
        self.scanning = True
        try:
            return self._scan(page)
        finally:
            self.scanning = False

    def _scan(self, page: Page) -> list[Violation]:
        state = self._state(page)
        if state is None:
            return []
        path = _path(page.url)
        own = page.viewport_size or PHONE
        sizes = [own, DESKTOP if own["width"] < DESKTOP["width"] else PHONE]
        found: list[Violation] = []
        # Scanning at the other size reflows the page; the person's place on it is put back.
        try:
            scrolled = page.evaluate("() => [window.scrollX, window.scrollY]")
        except Error:
            scrolled = None
        for size in sizes:
            name = f"{size['width']}×{size['height']}"
            key = (path, state, name)
            if key not in self.results:
                violations = self._run(page, size, name)
                if violations is None:  # the page went away under the scan
                    break
                self.results[key] = violations
            self.scanned += 1
            found.extend(self.results[key])
        if page.viewport_size != own:
            page.set_viewport_size(own)
            if scrolled is not None:
                # Navigating away: the next page starts at its top anyway.
                with contextlib.suppress(Error):
                    page.evaluate("([x, y]) => window.scrollTo(x, y)", scrolled)
        for violation in found:
            if violation not in self.found:
                self.found.append(violation)
        return found

    def _state(self, page: Page) -> str | None:
        for _attempt in range(3):
            try:
                page.wait_for_load_state("load")
                ready, state = page.evaluate(STATE_SCRIPT)
            except Error:
                continue  # navigating: wait for the next document
            if ready == "skip":
                return None  # about:blank, a PDF, an image: not a page of ours
            if ready == "complete":
                return str(state)
        return None

    def _run(self, page: Page, size: ViewportSize, name: str) -> list[Violation] | None:
        started = time.perf_counter()
        try:
            if page.viewport_size != size:
                page.set_viewport_size(size)
            if page.evaluate("() => typeof window.axe") == "undefined":
                page.evaluate(self.source)
            raw: list[dict[str, Any]] = page.evaluate(RUN_SCRIPT)
        except Error as error:
            if "context was destroyed" in str(error) or "navigat" in str(error):
                return None
            raise
        finally:
            self.seconds += time.perf_counter() - started
        url = page.url
        return [
            Violation(
                rule=item["id"],
                impact=item["impact"] or "",
                help=item["help"],
                targets=tuple(item["targets"]),
                url=url,
                viewport=name,
            )
            for item in raw
        ]

    def scan_all(self, pages: Iterable[Page]) -> None:
        for page in list(pages):
            self.scan(page)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Actions inside do not scan (for a test of the scanner itself)."""
        active, self.active = self.active, False
        try:
            yield
        finally:
            self.active = active


def summary(scanner: AccessibilityScanner) -> str:
    states = {(path, state) for path, state, _size in scanner.results}
    return (
        f"axe-core {AXE_VERSION}: {len(states)} page states, {len(scanner.results)} scans "
        f"(state × size), {scanner.seconds:.0f} s"
    )


def report(violations: list[Violation], scanned: int) -> str:
    lines = [f"axe-core {AXE_VERSION} found {len(violations)} accessibility violation(s):"]
    lines.extend(str(v) for v in violations)
    lines.append(f"({scanned} page state(s) × size scanned in this journey)")
    return "\n".join(lines)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


LOCATOR_ACTIONS = (
    "check",
    "clear",
    "click",
    "dblclick",
    "dispatch_event",
    "drag_to",
    "fill",
    "focus",
    "hover",
    "press",
    "press_sequentially",
    "select_option",
    "select_text",
    "set_checked",
    "set_input_files",
    "tap",
    "type",
    "uncheck",
)
PAGE_ACTIONS = (
    "check",
    "click",
    "close",
    "dblclick",
    "fill",
    "go_back",
    "go_forward",
    "goto",
    "press",
    "reload",
    "select_option",
    "set_input_files",
    "tap",
    "type",
    "uncheck",
)
KEYBOARD_ACTIONS = ("down", "insert_text", "press", "type", "up")


def install(
    monkeypatch: pytest.MonkeyPatch, scanner: AccessibilityScanner, browser: Browser
) -> None:
    """Makes every action of a journey scan the page it acts on before it acts."""

    def before_locator(locator: Locator) -> None:
        try:
            # Wait until the element is there, so that the page scanned is the one acted on.
            locator.first.wait_for(state="attached")
        except Error:
            return  # the action itself fails with Playwright's own message
        scanner.scan(locator.page)

    def before_keyboard(keyboard: Keyboard) -> None:
        for context in browser.contexts:
            for page in context.pages:
                if page.keyboard is keyboard:
                    scanner.scan(page)

    def wrap(cls: type, name: str, before: Callable[[Any], object]) -> None:
        original = getattr(cls, name)

        @functools.wraps(original)
        def action(self: Any, *args: Any, **kwargs: Any) -> Any:
            if scanner.active and not scanner.scanning:
                before(self)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, action)

    for name in LOCATOR_ACTIONS:
        wrap(Locator, name, before_locator)
    for name in PAGE_ACTIONS:
        wrap(Page, name, scanner.scan)
    for name in KEYBOARD_ACTIONS:
        wrap(Keyboard, name, before_keyboard)
    wrap(BrowserContext, "close", lambda context: scanner.scan_all(context.pages))

    new_context = Browser.new_context

    @functools.wraps(new_context)
    def new_context_noting_script(self: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(self, *args, **kwargs)
        if kwargs.get("java_script_enabled") is False:
            scanner.without_script.add(context)
        return context

    monkeypatch.setattr(Browser, "new_context", new_context_noting_script)
