"""A person on a phone, played by Chromium: a look of 1.5 s before each tap (to read the screen
and find the button) and 450 ms a character when typing, about 27 words a minute, slower than the
36 a minute that large studies of phone typing found on average, as our users are (decision 0052).
The browser journey that checks the first order from an invitation and the benchmark that times it
(`first_order_from_invitation_<kind>_s`) both go through `first_order`.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

from playwright.sync_api import Locator, Page, ViewportSize, expect, sync_playwright

from tsunagu.accounts.models import Membership
from tsunagu.bench.http import NotMeasuredError
from tsunagu.customers.models import Customer, CustomerInvitation
from tsunagu.customers.services import invite_customer, save_customer

TYPING_DELAY_MS = 450
PAUSE_BEFORE_TAP_MS = 1_500
PHONE: ViewportSize = {"width": 390, "height": 844}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Chromium must not try to reach the network on its own (updates, sync, field trials).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def tap(page: Page, target: Locator) -> None:
    page.wait_for_timeout(PAUSE_BEFORE_TAP_MS)
    target.click()


def type_into(page: Page, target: Locator, text: str) -> None:
    tap(page, target)
    target.press_sequentially(text, delay=TYPING_DELAY_MS)


def invite(
    customer: Customer, admin: Membership, *, base: str, kind: str, email: str
) -> tuple[CustomerInvitation, str]:
    return invite_customer(
        customer,
        actor=admin,
        kind=kind,
        email=email if kind == CustomerInvitation.Kind.EMAIL else "",
        accept_url=lambda token: f"{base}/join/{token}/",
    )


def first_order(page: Page, join_url: str, *, company: str, email: str, email_filled: bool) -> None:
    """From the invitation's page to 「注文を送信しました」: sign up, find a product, send."""
    page.goto(join_url)
    # The company name is filled in from the supplier's customer record.
    expect(page.get_by_label("会社名・店舗名")).to_have_value(company)
    if email_filled:
        expect(page.get_by_label("メールアドレス")).to_have_value(email)
    else:
        type_into(page, page.get_by_label("メールアドレス"), email)
    type_into(page, page.get_by_label("お名前"), "花道 大輔")
    password = page.get_by_label("パスワード", exact=True)
    type_into(page, password, "hanamichi-2026-sake")
    tap(page, page.get_by_role("button", name="表示する"))
    expect(password).to_have_attribute("type", "text")
    tap(page, page.get_by_role("button", name="アカウントを作って始める"))

    expect(page).to_have_url(re.compile(r"/buyer/$"))
    tap(page, page.get_by_role("link", name="商品を探す").first)
    tap(page, page.locator(".product-card").first.get_by_role("button", name="カートに入れる"))
    expect(page.get_by_role("status")).to_contain_text("カートに入れました")
    tap(page, page.get_by_role("link", name=re.compile("カート")).first)
    tap(page, page.get_by_role("button", name="この内容で注文する"))
    expect(page.get_by_role("status")).to_contain_text("注文を送信しました")


def time_first_orders(base: str, supplier_code: str, kinds: list[str]) -> dict[str, float]:
    """Seconds from opening the invitation to the sent order, for a new customer per kind."""
    if not Path(CHROMIUM).exists():
        raise NotMeasuredError(f"Chromium is not installed at {CHROMIUM}")
    admin = Membership.objects.select_related("organization", "user").get(
        organization__code=supplier_code, user__email=f"admin@{supplier_code}.example"
    )
    # The database is done with before the browser starts: Playwright's sync API runs an event
    # loop in this thread, where Django refuses queries.
    journeys = []
    for kind in kinds:
        tag = uuid.uuid4().hex[:8]
        customer = save_customer(
            None, actor=admin, data={"customer_code": f"INV-{tag}", "name": f"居酒屋 花道 {tag}"}
        )
        email = f"tencho-{tag}@hanamichi.example"
        _, token = invite(customer, admin, base=base, kind=kind, email=email)
        journeys.append((kind, customer.name, email, token))
    seconds: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for kind, company, email, token in journeys:
                context = browser.new_context(
                    viewport=PHONE,
                    locale="ja-JP",
                    timezone_id="Asia/Tokyo",
                    is_mobile=True,
                    has_touch=True,
                )
                context.set_default_timeout(30_000)
                page = context.new_page()
                page.goto(f"{base}/accounts/login/")  # the server is warm, as a real one is
                started = time.perf_counter()
                first_order(
                    page,
                    f"{base}/join/{token}/",
                    company=company,
                    email=email,
                    email_filled=kind == CustomerInvitation.Kind.EMAIL,
                )
                seconds[kind] = time.perf_counter() - started
                context.close()
        finally:
            browser.close()
    return seconds
