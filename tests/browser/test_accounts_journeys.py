from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import SmtpServer
from tests.browser.totp import totp
from tsunagu.accounts.models import Membership
from tsunagu.audit.models import AuditEntry
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ops.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "sakura-no-hana-2026"


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン", exact=True).click()


def open_menu(page: Page, name: str) -> None:
    """Taps a place in the main menu, opening 「メニュー」 first when the place is behind it."""
    nav = page.locator(".site-nav")
    item = nav.get_by_role("link", name=name, exact=True).or_(
        nav.get_by_role("button", name=name, exact=True)
    )
    nav.wait_for()
    if not item.is_visible():
        nav.locator("summary", has_text="メニュー").click()
    item.click()


def second_person(page: Page) -> Page:
    browser = page.context.browser
    assert isinstance(browser, Browser)
    viewport = page.viewport_size
    context = browser.new_context(viewport=viewport, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    return context.new_page()


def test_admin_invites_staff_who_joins_sets_up_two_step_login_and_logs_in_with_a_code(
    page: Page,
    live_server: object,
    smtp_server: SmtpServer,
    run_tasks: Callable[[], int],
    demo: None,
) -> None:
    base = live_server.url  # type: ignore[attr-defined]

    # The supplier's administrator invites a new member of staff by e-mail.
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "メンバー")
    page.get_by_role("link", name="メンバーを招待").click()
    page.get_by_label("招待する人のメールアドレス").fill("new-staff@demo-supplier.example")
    page.get_by_label("メンバー", exact=True).check()
    page.get_by_role("button", name="招待する").click()
    expect(page.get_by_role("status")).to_contain_text(
        "new-staff@demo-supplier.example に招待メールを送りました"
    )

    # The worker sends the mail through the SMTP server; the invitee opens the link in it.
    run_tasks()
    (mail,) = [m for m in smtp_server.messages if m["To"] == "new-staff@demo-supplier.example"]
    assert mail["Subject"].strip() == "【つなぐ】つなぐ食品卸 株式会社への招待"
    plain = mail.get_body(preferencelist=("plain",))
    assert plain is not None
    link = re.search(r"https?://\S+/invite/\S+/", plain.get_content())
    assert link is not None

    invitee = second_person(page)
    invitee.goto(link.group(0))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("つなぐ食品卸 株式会社に参加する")
    invitee.get_by_label("お名前").fill("新人 さくら")
    invitee.get_by_label("パスワード", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="アカウントを作って参加する").click()
    expect(invitee.get_by_role("status")).to_contain_text("つなぐ食品卸 株式会社に参加しました")

    # Two-step verification with an authenticator app (the test computes the codes).
    open_menu(invitee, "アカウント")
    invitee.get_by_role("link", name=re.compile("二段階認証")).click()
    invitee.get_by_role("link", name=re.compile("有効化|設定")).first.click()
    secret = invitee.locator("#authenticator_secret").input_value()
    invitee.get_by_label("認証アプリコード").fill(totp(secret))
    invitee.get_by_role("button", name="有効化する").click()
    expect(invitee.locator("body")).to_contain_text("リカバリーコード")

    open_menu(invitee, "ログアウト")
    expect(invitee).to_have_url(re.compile(r"/accounts/login/"))

    log_in(invitee, base, "new-staff@demo-supplier.example", NEW_PASSWORD)
    # The code of the next 30 seconds: the one typed above may not be used twice.
    invitee.get_by_label(re.compile("コード")).fill(totp(secret, at=time.time() + 30))
    invitee.get_by_role("button", name=re.compile("サインイン|ログイン|認証")).click()
    expect(invitee).to_have_url(re.compile(r"/dashboard/$"))
    expect(invitee.get_by_role("heading", level=1)).to_have_text("つなぐ食品卸 株式会社")

    membership = Membership.objects.get(user__email="new-staff@demo-supplier.example")
    assert membership.role == "member"
    assert AuditEntry.objects.filter(action="two_factor.enabled").exists()
    invitee.context.close()


def test_a_buyers_admin_invites_a_colleague_by_link(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]

    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    open_menu(page, "メンバー")
    page.get_by_role("link", name="メンバーを招待").click()
    page.get_by_label("リンク・QRコード").check()
    page.get_by_role("button", name="招待する").click()
    url = page.get_by_test_id("invitation-url").input_value()
    expect(page.locator(".qr svg")).to_be_visible()

    colleague = second_person(page)
    colleague.goto(url)
    colleague.get_by_label("メールアドレス").fill("sous-chef@demo-buyer.example")
    colleague.get_by_label("お名前").fill("副料理長 健")
    colleague.get_by_label("パスワード", exact=True).fill(NEW_PASSWORD)
    colleague.get_by_role("button", name="アカウントを作って参加する").click()

    # A typed address proves nothing yet: joining waits for the confirmation link in the mail.
    expect(colleague.get_by_role("heading", level=1)).to_have_text(
        "メールアドレスを確認してください"
    )
    expect(colleague.locator("main")).to_contain_text(
        "sous-chef@demo-buyer.example にメールを送りました"
    )
    assert not Membership.objects.filter(user__email="sous-chef@demo-buyer.example").exists()
    mail = OutboxMessage.objects.get(to="sous-chef@demo-buyer.example")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.body_text)
    assert link is not None
    colleague.goto(link.group(0))
    colleague.get_by_role("button", name="確認する").click()

    expect(colleague).to_have_url(re.compile(r"/buyer/$"))
    expect(colleague.get_by_role("status")).to_contain_text("レストラン さくらに参加しました")
    expect(colleague.locator(".site-header")).to_contain_text("レストラン さくら")
    colleague.context.close()


def test_a_mailed_invitation_refuses_another_logged_in_person(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    log_in(page, base, "admin@demo-supplier.example", DEMO_PASSWORD)
    open_menu(page, "メンバー")
    page.get_by_role("link", name="メンバーを招待").click()
    page.get_by_label("招待する人のメールアドレス").fill("new-admin@demo-supplier.example")
    page.get_by_label("管理者", exact=True).check()
    page.get_by_role("button", name="招待する").click()
    mail = OutboxMessage.objects.get(to="new-admin@demo-supplier.example")
    link = re.search(r"https?://\S+/invite/\S+/", mail.body_text)
    assert link is not None

    someone_else = second_person(page)
    log_in(someone_else, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    someone_else.goto(link.group(0))

    expect(someone_else.get_by_role("alert")).to_contain_text(
        "この招待は別のメールアドレスに送られたものです"
    )
    expect(someone_else.get_by_role("button", name="参加する")).to_have_count(0)
    assert not Membership.objects.filter(
        user__email="owner@demo-buyer.example", organization__code="demo-supplier"
    ).exists()
    someone_else.context.close()


def test_a_person_adds_a_passkey_and_logs_in_with_it_alone(
    page: Page, live_server: object, demo: None
) -> None:
    base = live_server.url  # type: ignore[attr-defined]
    # Chromium's virtual authenticator plays the phone's fingerprint reader.
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    log_in(page, base, "owner@demo-buyer.example", DEMO_PASSWORD)
    open_menu(page, "アカウント")
    page.get_by_role("link", name=re.compile("二段階認証")).click()
    page.locator("section", has_text="セキュリティキー").get_by_role("link").click()
    page.locator("input[name=name]").fill("仕事用スマホ")
    page.locator("input[name=passwordless]").check()
    page.locator("#mfa_webauthn_add").click()
    expect(page.locator("body")).to_contain_text("リカバリーコード")

    open_menu(page, "ログアウト")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("button", name="パスキーでログイン").click()

    expect(page).to_have_url(re.compile(r"/buyer/$"))
    expect(page.locator(".site-header")).to_contain_text("レストラン さくら")
    assert AuditEntry.objects.filter(action="two_factor.enabled", changes__type="webauthn").exists()
