"""The outbox: every mail is written here first and sent by the worker.

A message is claimed (pending → sending) in a short transaction with a lease (tsunagu.ops.leases),
sent with no transaction open (so a slow mail server never holds a database lock), then marked
sent, or put back with a later attempt time. Just before the message itself goes to the mail
server (SMTP DATA) the hand-off is recorded. A sender that dies before the hand-off leaves a
mail that is sent again once its lease runs out; one that dies during it leaves a mail the server
most likely took, marked unconfirmed and not sent again: mail goes at most once (decision: mail
at most once).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tsunagu.accounts.models import Organization
from tsunagu.core.encryption import DecryptionError
from tsunagu.core.filestore import read_decrypted
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ops import leases

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour: MAX_ATTEMPTS tries over about 5 hours."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


class Attachment(TypedDict, total=False):
    """A file kept encrypted in the file store (tsunagu.core.filestore), sent with a mail."""

    storage_name: str
    filename: str
    content_type: str
    sha256: str


class AttachmentError(Exception):
    """An attachment cannot be read as it was stored: missing, damaged or changed."""


def queue_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    organization: Organization | None = None,
    attachments: list[Attachment] | None = None,
) -> OutboxMessage:
    """Write a mail to the outbox, and its delivery task to the queue, in the caller's transaction.

    The task queue lives in the same database, so the task commits (or rolls back) together with
    the message and the change it tells about: no mail for a change that failed, none lost.
    """
    from tsunagu.notifications.tasks import deliver_message

    message = OutboxMessage.objects.create(
        to=to,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        organization_id=organization.pk if organization is not None else None,
        next_attempt_at=timezone.now(),
        attachments=list(attachments or []),
    )
    deliver_message.enqueue(str(message.pk))
    return message


def _claim(message_id: str) -> OutboxMessage | None:
    """Take the message for this process: a due pending one, or one whose sender died before
    handing it to the mail server (its lease ran out)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            OutboxMessage.objects.filter(pk=message_id)
            .filter(
                Q(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
                | Q(
                    status=OutboxMessage.Status.SENDING,
                    handed_off_at__isnull=True,
                    lease_expires_at__lt=now,
                )
            )
            .update(
                status=OutboxMessage.Status.SENDING,
                claimed_at=now,
                handed_off_at=None,
                updated_at=now,
                **leases.claim_fields(now),
            )
        )
    if not claimed:
        return None
    return OutboxMessage.objects.get(pk=message_id)


def _record_hand_off(message: OutboxMessage) -> None:
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(handed_off_at=now, updated_at=now)
    message.handed_off_at = now


def _send(email: EmailMultiAlternatives, message: OutboxMessage) -> None:
    """Send through the configured backend, recording the hand-off just before SMTP DATA (after
    the server accepted the sender and recipient), so that only the few milliseconds of the
    message's own transfer leave it unsure whether the server has it."""
    backend = get_connection()
    if not isinstance(backend, SmtpBackend):
        _record_hand_off(message)
        backend.send_messages([email])
        return
    backend.open()
    try:
        smtp = backend.connection
        assert smtp is not None  # noqa: S101 - open() raises or connects
        transfer = smtp.data

        def data(msg: Any) -> tuple[int, bytes]:
            _record_hand_off(message)
            return transfer(msg)

        smtp.data = data  # type: ignore[method-assign]
        backend.send_messages([email])
    finally:
        backend.close()


def deliver(message_id: str) -> str:
    """Send the message if it is due and nobody else is sending it. Returns what happened."""
    message = _claim(message_id)
    if message is None:
        return "skipped"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"X-Tsunagu-Message-ID": str(message.pk)},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        for attachment in message.attachments:
            email.attach(
                attachment["filename"], _attachment_bytes(attachment), attachment["content_type"]
            )
    except AttachmentError as error:
        return _gave_up(message, error)
    try:
        _send(email, message)
    except (smtplib.SMTPException, OSError) as error:
        if message.handed_off_at is not None and not isinstance(
            error, smtplib.SMTPResponseException
        ):
            # The connection broke while the server was taking the message, with no answer:
            # it may well have it. Sending again could deliver it twice.
            return _unconfirmed(message, error)
        return _failed(message, error)
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT,
        sent_at=now,
        attempts=message.attempts + 1,
        updated_at=now,
        **leases.RELEASED,
    )
    logger.info("outbox.sent message_id=%s attempts=%s", message.pk, message.attempts + 1)
    return "sent"


def _unconfirmed(message: OutboxMessage, error: Exception) -> str:
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.SENDING).update(
        status=OutboxMessage.Status.UNCONFIRMED,
        attempts=message.attempts + 1,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        updated_at=now,
        **leases.RELEASED,
    )
    logger.error(
        "outbox.hand_off_unconfirmed message_id=%s error=%s", message.pk, type(error).__name__
    )
    return "unconfirmed"


def _attachment_bytes(attachment: Attachment) -> bytes:
    try:
        data = read_decrypted(attachment["storage_name"])
    except (OSError, DecryptionError) as error:
        raise AttachmentError(f"{attachment.get('filename')}: {error}") from error
    expected = attachment.get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise AttachmentError(
            f"{attachment.get('filename')}: the file was changed after it was made"
        )
    return data


def _gave_up(message: OutboxMessage, error: Exception) -> str:
    """A mail whose attachment cannot be read as stored is never sent: retrying will not fix it,
    and sending a changed file would be worse."""
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.FAILED,
        attempts=message.attempts + 1,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        updated_at=now,
        **leases.RELEASED,
    )
    logger.error(
        "outbox.attachment_refused message_id=%s error=%s", message.pk, type(error).__name__
    )
    return "gave up"


def _failed(message: OutboxMessage, error: Exception) -> str:
    from tsunagu.notifications.tasks import deliver_message

    attempts = message.attempts + 1
    now = timezone.now()
    gave_up = attempts >= MAX_ATTEMPTS
    next_attempt_at = now + backoff(attempts)
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.FAILED if gave_up else OutboxMessage.Status.PENDING,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=now,
            # The server refused or was never reached: nothing was delivered.
            handed_off_at=None,
            **leases.RELEASED,
        )
        if not gave_up:
            deliver_message.using(run_after=next_attempt_at).enqueue(str(message.pk))
    logger.warning(
        "outbox.send_failed message_id=%s attempts=%s gave_up=%s error=%s",
        message.pk,
        attempts,
        gave_up,
        type(error).__name__,
    )
    return "gave up" if gave_up else "retry"


def take_over_expired(now: datetime) -> int:
    """Mails whose sender died (their lease ran out): those not yet handed to the mail server go
    back to the queue; those handed off are marked unconfirmed and not sent again."""
    requeued, unconfirmed = _take_over(now)
    return requeued + unconfirmed


def _take_over(now: datetime) -> tuple[int, int]:
    from tsunagu.notifications.tasks import deliver_message

    # Not leases.take_over: a mail already handed to the server is not queued again.
    expired = leases.expired(OutboxMessage, [OutboxMessage.Status.SENDING], now)
    if not expired.exists():
        # Nothing to take over (the usual case): no write transaction at every heartbeat.
        return 0, 0
    with transaction.atomic():
        # Two workers taking over at once: each takes the rows the other has not locked.
        expired = expired.select_for_update(skip_locked=True, no_key=True)
        handed_off = list(
            expired.filter(handed_off_at__isnull=False).values_list("pk", "claimed_by")
        )
        OutboxMessage.objects.filter(
            pk__in=[pk for pk, _holder in handed_off], status=OutboxMessage.Status.SENDING
        ).update(
            status=OutboxMessage.Status.UNCONFIRMED,
            last_error="The sender stopped while the mail server was taking the message.",
            updated_at=now,
            **leases.RELEASED,
        )
        ids = list(expired.filter(handed_off_at__isnull=True).values_list("pk", flat=True))
        OutboxMessage.objects.filter(pk__in=ids, status=OutboxMessage.Status.SENDING).update(
            status=OutboxMessage.Status.PENDING,
            next_attempt_at=now,
            updated_at=now,
            **leases.RELEASED,
        )
        for message_id in ids:
            deliver_message.enqueue(str(message_id))
    for pk, holder in handed_off:
        logger.error("outbox.hand_off_unconfirmed message_id=%s holder=%s", pk, holder)
    for message_id in ids:
        logger.warning("outbox.taken_over message_id=%s", message_id)
    return len(ids), len(handed_off)


def resend_unconfirmed() -> int:
    """Put the unconfirmed mails back in the queue, for an operator who checked that they did
    not arrive (`send_outbox --resend-unconfirmed`)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(status=OutboxMessage.Status.UNCONFIRMED).values_list(
                "pk", flat=True
            )
        )
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxMessage.Status.PENDING,
            next_attempt_at=now,
            handed_off_at=None,
            updated_at=now,
        )
    for message_id in ids:
        logger.warning("outbox.unconfirmed_resent message_id=%s", message_id)
    return len(ids)


def deliver_due() -> dict[str, int]:
    """Send every message that is due now (the `send_outbox` command)."""
    _requeued, unconfirmed = _take_over(timezone.now())
    outcome: dict[str, int] = {"unconfirmed": unconfirmed} if unconfirmed else {}
    due = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    for message_id in list(due):
        result = deliver(str(message_id))
        outcome[result] = outcome.get(result, 0) + 1
    return outcome
