from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import SmtpServer
from tsunagu.accounts.models import Membership
from tsunagu.notifications import services
from tsunagu.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def queue(subject: str = "ご注文を受け付けました") -> OutboxMessage:
    with transaction.atomic():
        return services.queue_email(
            to="chef@buyer.test",
            subject=subject,
            text="ご注文ありがとうございます。\nhttps://tsunagu.example/orders/1",
            html="<p>ご注文ありがとうございます。</p>",
        )


def test_a_queued_mail_is_sent_by_the_worker_in_japanese_with_text_and_html(
    smtp_server: SmtpServer, run_tasks: Callable[[], int]
) -> None:
    message = queue()

    assert smtp_server.messages == []
    assert run_tasks() == 1

    (received,) = smtp_server.messages
    assert received["Subject"] == "ご注文を受け付けました"
    assert received["To"] == "chef@buyer.test"
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None
    assert "ご注文ありがとうございます。" in text.get_content()
    assert html is not None
    assert "<p>ご注文ありがとうございます。</p>" in html.get_content()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 1)


def test_a_mail_server_that_is_down_is_retried_with_backoff_and_sends_once(
    smtp_server: SmtpServer, run_tasks: Callable[[], int]
) -> None:
    smtp_server.stop()
    message = queue()

    run_tasks()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert timedelta(seconds=29) < message.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    assert run_tasks() == 0  # the retry waits for its time

    smtp_server.start()
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert run_tasks() == 1
        assert run_tasks() == 0
        assert services.deliver(str(message.pk)) == "skipped"

    assert len(smtp_server.messages) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 2)


def test_backoff_doubles_up_to_an_hour_and_then_gives_up(
    smtp_server: SmtpServer, run_tasks: Callable[[], int]
) -> None:
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 8, 12)] == [
        30,
        60,
        120,
        3600,
        3600,
    ]
    smtp_server.stop()
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=services.MAX_ATTEMPTS - 1)

    assert services.deliver(str(message.pk)) == "gave up"

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED


def test_a_mail_for_a_change_that_rolled_back_is_never_sent() -> None:
    def failing_service() -> None:
        with transaction.atomic():
            queue()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_service()

    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


def claimed_by_a_dead_worker(message: OutboxMessage, *, handed_off: bool) -> None:
    """The state a worker killed mid-send leaves: sending, its lease run out."""
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENDING,
        claimed_at=now - timedelta(minutes=2),
        claimed_by="killed-worker",
        lease_expires_at=now - timedelta(seconds=1),
        handed_off_at=now - timedelta(minutes=2) if handed_off else None,
    )


def test_a_mail_whose_sender_died_before_the_hand_off_is_sent_once_after_its_lease(
    smtp_server: SmtpServer, run_tasks: Callable[[], int]
) -> None:
    message = queue()
    claimed_by_a_dead_worker(message, handed_off=False)
    DBTaskResult.objects.all().delete()

    assert services.deliver_due() == {"sent": 1}
    assert run_tasks() == 1  # the task the take-over queued finds the mail sent
    assert len(smtp_server.messages) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert (message.claimed_by, message.lease_expires_at) == ("", None)


def test_a_mail_being_sent_under_a_live_lease_is_left_to_its_sender(
    smtp_server: SmtpServer,
) -> None:
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENDING,
        claimed_by="live-worker",
        lease_expires_at=timezone.now() + timedelta(seconds=30),
    )

    assert services.deliver(str(message.pk)) == "skipped"
    assert services.deliver_due() == {}
    assert smtp_server.messages == []


def test_a_mail_whose_sender_died_during_the_hand_off_is_not_sent_again(
    smtp_server: SmtpServer, run_tasks: Callable[[], int]
) -> None:
    message = queue()
    claimed_by_a_dead_worker(message, handed_off=True)

    assert services.deliver_due() == {"unconfirmed": 1}
    run_tasks()

    assert smtp_server.messages == []
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.UNCONFIRMED
    assert message.last_error == (
        "The sender stopped while the mail server was taking the message."
    )


def test_an_operator_can_send_the_unconfirmed_mails_again_by_hand(
    smtp_server: SmtpServer,
) -> None:
    message = queue()
    claimed_by_a_dead_worker(message, handed_off=True)
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert smtp_server.messages == []
    assert out.getvalue().strip() == "送信 0件 / 再試行待ち 0件 / 断念 0件 / 未確認 1件"

    out = StringIO()
    call_command("send_outbox", "--resend-unconfirmed", stdout=out)

    assert out.getvalue().splitlines() == [
        "未確認のメール 1件を送り直します",
        "送信 1件 / 再試行待ち 0件 / 断念 0件 / 未確認 0件",
    ]
    assert len(smtp_server.messages) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_the_hand_off_is_recorded_after_the_recipient_and_before_the_message(
    smtp_server: SmtpServer, run_tasks: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    message = queue()
    seen: list[str] = []
    original_data = smtp_server.handle_DATA
    original_hand_off = services._record_hand_off

    async def handle_rcpt(
        server: object, session: object, envelope: Any, address: str, options: list[str]
    ) -> str:
        seen.append("server: RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_data(server: object, session: object, envelope: Any) -> str:
        seen.append("server: DATA")
        return await original_data(server, session, envelope)

    def hand_off(outgoing: OutboxMessage) -> None:
        seen.append("recorded: hand-off")
        original_hand_off(outgoing)

    smtp_server.handle_RCPT = handle_rcpt  # type: ignore[attr-defined]
    smtp_server.handle_DATA = handle_data  # type: ignore[method-assign]
    monkeypatch.setattr(services, "_record_hand_off", hand_off)

    assert run_tasks() == 1

    assert seen == ["server: RCPT", "recorded: hand-off", "server: DATA"]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.handed_off_at is not None


def test_a_connection_lost_while_the_server_takes_the_message_leaves_it_unconfirmed(
    smtp_server: SmtpServer, run_tasks: Callable[[], int]
) -> None:
    message = queue()

    async def handle_data(server: Any, session: object, envelope: Any) -> str:
        # The server has the whole message, then the line drops before its answer.
        smtp_server.messages.append(envelope.content)
        server.transport.close()
        return "250 never heard"

    smtp_server.handle_DATA = handle_data  # type: ignore[method-assign]

    assert run_tasks() == 1

    assert len(smtp_server.messages) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.UNCONFIRMED
    assert message.attempts == 1
    # Nothing queued to send it again.
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_password_reset_mail_goes_through_the_outbox(
    client: Client, buyer_member: Membership, smtp_server: SmtpServer, run_tasks: Callable[[], int]
) -> None:
    response = client.post(reverse("account_reset_password"), {"email": "chef@buyer.test"})
    assert response.status_code == 302

    message = OutboxMessage.objects.get()
    assert message.subject.startswith("【つなぐ】")
    assert "パスワード" in message.subject
    run_tasks()
    (received,) = smtp_server.messages
    assert received.get_body(preferencelist=("html",)) is not None
    plain = received.get_body(preferencelist=("plain",))
    assert plain is not None
    assert "/accounts/password/reset/key/" in plain.get_content()
