"""Accessibility in the browser: the axe-core scan itself, touch targets of 44 px, the lines of a
document on a narrow phone, the add-to-cart button on a desktop and the phone's main menu."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Error, Page, expect

from tests.browser import accessibility
from tests.browser.accessibility import AccessibilityScanner
from tests.browser.test_accounts_journeys import log_in, open_menu
from tsunagu.documents.models import Document, DocumentType
from tsunagu.ops.demo import DEMO_PASSWORD
from tsunagu.ordering.models import Order

pytestmark = pytest.mark.django_db(transaction=True)
on_a_phone = pytest.mark.parametrize("page", ["phone"], indirect=True)
on_a_desktop = pytest.mark.parametrize("page", ["desktop"], indirect=True)

BUYER = "owner@demo-buyer.example"
SUPPLIER = "admin@demo-supplier.example"
SHIPPING = "shipping@demo-supplier.example"
TAP = 44

# Every visible control and its tap area. A link inside running text is left out, as WCAG 2.5.8
# allows ("inline"); a check box or a radio counts with its label, which is what a finger taps.
TARGETS_SCRIPT = """() => {
  const controls = document.querySelectorAll(
    "a[href], button, summary, select, textarea, input:not([type=hidden])");
  const inRunningText = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) block = block.parentElement;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.parentElement.closest("a, button") && t.textContent.trim()) return true;
    }
    return false;
  };
  const found = [];
  for (const el of controls) {
    let target = el;
    if (el.type === "checkbox" || el.type === "radio") target = el.closest("label") || el;
    if (!target.checkVisibility({ opacityProperty: false, visibilityProperty: true })) continue;
    const box = target.getBoundingClientRect();
    if (box.width === 0 || box.bottom + scrollY <= 0) continue;  // the skip link, off the page
    if (inRunningText(el)) continue;
    const name = (el.innerText || el.value || el.getAttribute("aria-label") || el.name || "")
      .trim().replace(/\\s+/g, " ").slice(0, 40);
    found.push({ tag: el.tagName.toLowerCase(), name, width: box.width, height: box.height });
  }
  return found;
}"""


def small_targets(page: Page) -> list[str]:
    targets: list[dict[str, Any]] = page.evaluate(TARGETS_SCRIPT)
    assert targets, f"no control found on {page.url}"
    return [
        f"{page.url}: <{t['tag']}> {t['name']!r} {t['width']:.0f}×{t['height']:.0f}"
        for t in targets
        if t["width"] < TAP - 0.5 or t["height"] < TAP - 0.5
    ]


@on_a_phone
def test_axe_runs_under_the_sites_csp_and_reports_what_it_finds(
    page: Page, live_server: object, axe: AccessibilityScanner
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    response = page.goto(f"{base}/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # The page refuses inline scripts, so axe cannot come in as a <script> tag ...
    with pytest.raises(Error, match="violates the following Content Security Policy"):
        page.add_script_tag(content="window.inlineScriptRan = true")
    assert page.evaluate("() => window.inlineScriptRan") is None

    # ... but it runs, through the DevTools protocol, and the login page has no violation.
    assert axe.scan(page) == []
    assert page.evaluate("() => axe.version") == accessibility.AXE_VERSION

    # A picture without a text alternative is found at both sizes, named and placed.
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<img id="no-alt" src="/static/tsunagu/favicon.svg">')"""
    )
    found = axe.scan(page)
    assert [(v.rule, v.impact, v.targets, v.url, v.viewport) for v in found] == [
        ("image-alt", "critical", ("#no-alt",), f"{base}/accounts/login/", "390×844"),
        ("image-alt", "critical", ("#no-alt",), f"{base}/accounts/login/", "1280×800"),
    ]
    text = accessibility.report(found, 2)
    assert f"- image-alt (critical) at 390×844 on {base}/accounts/login/: " in text
    assert "\n      #no-alt\n" in text
    assert page.viewport_size == accessibility.PHONE  # put back after the desktop scan

    with axe.paused():
        page.goto(f"{base}/accounts/login/")
    axe.found.clear()  # the violation was made on purpose


@on_a_phone
def test_every_control_on_the_main_pages_is_a_44_px_target_on_a_phone(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    small: list[str] = []
    for path in ["/accounts/login/", "/accounts/password/reset/"]:
        page.goto(base + path)
        small += small_targets(page)

    log_in(page, base, BUYER, DEMO_PASSWORD)
    order = Order.objects.filter(customer__buyer__code="demo-buyer").latest("ordered_at")
    document = Document.objects.filter(
        customer__buyer__code="demo-buyer", doc_type=DocumentType.PERIODIC_INVOICE
    ).first()
    assert document is not None
    page.goto(f"{base}/buyer/s/demo-supplier/")
    page.locator(".product-card").first.get_by_role("button", name="カートに入れる").click()
    expect(page.get_by_role("status")).to_contain_text("カートに入れました")
    for path in [
        "/buyer/",
        "/buyer/s/demo-supplier/",
        "/buyer/s/demo-supplier/cart/",
        "/buyer/s/demo-supplier/quick/",
        "/buyer/orders/",
        f"/buyer/orders/{order.pk}/",
        "/buyer/documents/",
        f"/buyer/documents/{document.pk}/",
        "/organization/members/",
        "/account/",
    ]:
        page.goto(base + path)
        small += small_targets(page)
    page.locator(".site-nav summary").click()
    small += small_targets(page)

    page.context.clear_cookies()
    log_in(page, base, SUPPLIER, DEMO_PASSWORD)
    supplier_order = Order.objects.filter(supplier__code="demo-supplier").latest("ordered_at")
    for path in [
        "/dashboard/",
        "/supplier/orders/",
        f"/supplier/orders/{supplier_order.pk}/",
        "/supplier/customers/",
        "/supplier/products/",
        "/supplier/documents/",
        "/supplier/billing/",
        "/supplier/payments/",
    ]:
        page.goto(base + path)
        small += small_targets(page)

    page.context.clear_cookies()
    log_in(page, base, SHIPPING, DEMO_PASSWORD)
    page.goto(f"{base}/supplier/shipping/")
    small += small_targets(page)

    assert small == [], "\n".join(["controls under 44×44 px:", *small])


@on_a_phone
@pytest.mark.parametrize("width", [360, 390])
def test_the_buyer_reads_every_invoice_line_without_scrolling_sideways(
    page: Page, live_server: object, demo: None, width: int
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    page.set_viewport_size({"width": width, "height": 800})
    document = Document.objects.filter(
        customer__buyer__code="demo-buyer", doc_type=DocumentType.PERIODIC_INVOICE
    ).first()
    assert document is not None
    log_in(page, base, BUYER, DEMO_PASSWORD)
    page.goto(f"{base}/buyer/documents/{document.pk}/")

    lines = page.locator("#document-lines tbody tr")
    expect(lines.first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    for region in page.locator("main .card, main .table-scroll").all():
        scroll = region.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert scroll[0] <= scroll[1]
    # Quantity, unit price and amount of every line are on the screen, none cut off.
    for row in lines.all():
        for cell in row.locator("td").all():
            box = cell.bounding_box()
            assert box is not None
            assert box["x"] >= 0, cell.inner_text()
            assert box["x"] + box["width"] <= width, cell.inner_text()
            inner = cell.evaluate("el => [el.scrollWidth, el.clientWidth]")
            assert inner[0] <= inner[1], cell.inner_text()


@on_a_desktop
def test_put_in_the_cart_reads_in_full_on_every_card_on_a_desktop(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, BUYER, DEMO_PASSWORD)
    page.goto(f"{base}/buyer/s/demo-supplier/")

    buttons = page.locator(".product-card").get_by_role("button", name="カートに入れる")
    assert page.locator(".product-card select[name=unit]").count() > 0
    assert buttons.count() > 0
    for button in buttons.all():
        fits = button.evaluate(
            """(button) => {
              const range = document.createRange();
              range.selectNodeContents(button);
              const text = range.getBoundingClientRect();
              const box = button.getBoundingClientRect();
              const card = button.closest(".product-card").getBoundingClientRect();
              return {
                scroll: button.scrollWidth <= button.clientWidth,
                text: text.left >= box.left && text.right <= box.right,
                card: box.left >= card.left && box.right <= card.right,
              };
            }"""
        )
        assert fits == {"scroll": True, "text": True, "card": True}
        expect(button).to_have_text("カートに入れる")


@on_a_phone
@pytest.mark.parametrize(
    ("email", "bar", "behind"),
    [
        (
            BUYER,
            ["注文する", "注文履歴"],
            ["受け取った帳票", "メンバー", "組織の設定", "アカウント"],
        ),
        (
            SUPPLIER,
            ["ホーム", "受注", "出荷指示"],
            ["得意先", "商品", "帳票", "請求", "入金", "メンバー", "操作ログ", "アカウント"],
        ),
        (SHIPPING, ["ホーム", "出荷指示"], ["アカウント"]),
    ],
)
def test_the_phone_menu_shows_the_main_places_and_keeps_the_rest_behind_one_button(
    page: Page, live_server: object, demo: None, email: str, bar: list[str], behind: list[str]
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, email, DEMO_PASSWORD)
    nav = page.locator(".site-nav")
    expect(nav.locator(".site-nav__list a")).to_have_text(bar)
    for name in behind:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_hidden()
    # Nothing is hidden in a sideways strip: the bar fits the screen.
    assert nav.evaluate("el => el.scrollWidth <= el.clientWidth")
    toggle = nav.get_by_role("group").locator("summary")
    expect(toggle).to_have_text("メニュー")
    box = toggle.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390

    toggle.click()
    for name in behind:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="ログアウト")).to_be_visible()
    open_menu(page, "アカウント")
    expect(page).to_have_url(f"{base}/account/")
    expect(page.locator(".site-nav__toggle")).to_have_css("font-weight", "700")


@on_a_phone
def test_the_phone_menu_opens_without_javascript(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    browser = page.context.browser
    assert isinstance(browser, Browser)
    context = browser.new_context(
        viewport=accessibility.PHONE, locale="ja-JP", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    plain = context.new_page()
    log_in(plain, base, BUYER, DEMO_PASSWORD)
    open_menu(plain, "受け取った帳票")
    expect(plain).to_have_url(f"{base}/buyer/documents/")
    open_menu(plain, "ログアウト")
    expect(plain).to_have_url(f"{base}/accounts/login/")
    context.close()
