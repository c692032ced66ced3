"""The outbox: every mail is written here first and sent by the worker.

A message is claimed (pending → sending) in a short transaction, sent with no transaction open
(so a slow mail server never holds a database lock), then marked sent, or put back with a later
attempt time. A worker that dies while sending leaves the claim, which `reclaim_stalled` returns to
the queue after SENDING_TIMEOUT: the one case where a mail could go out twice.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from datetime import timedelta
from typing import TypedDict

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from tsunagu.accounts.models import Organization
from tsunagu.core.encryption import DecryptionError
from tsunagu.core.filestore import read_decrypted
from tsunagu.notifications.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
SENDING_TIMEOUT = timedelta(minutes=10)


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
    now = timezone.now()
    with transaction.atomic():
        claimed = OutboxMessage.objects.filter(
            pk=message_id, status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        ).update(status=OutboxMessage.Status.SENDING, claimed_at=now, updated_at=now)
    if not claimed:
        return None
    return OutboxMessage.objects.get(pk=message_id)


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
        email.send()
    except (smtplib.SMTPException, OSError) as error:
        return _failed(message, error)
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT, sent_at=now, attempts=message.attempts + 1, updated_at=now
    )
    logger.info("outbox.sent message_id=%s attempts=%s", message.pk, message.attempts + 1)
    return "sent"


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


def reclaim_stalled() -> int:
    """Put messages whose sender died mid-send back in the queue."""
    from tsunagu.notifications.tasks import deliver_message

    cutoff = timezone.now() - SENDING_TIMEOUT
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.filter(
                status=OutboxMessage.Status.SENDING, claimed_at__lt=cutoff
            ).values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxMessage.Status.PENDING, next_attempt_at=timezone.now()
        )
        for message_id in ids:
            deliver_message.enqueue(str(message_id))
    return len(ids)


def deliver_due() -> dict[str, int]:
    """Send every message that is due now (the `send_outbox` command)."""
    reclaim_stalled()
    outcome: dict[str, int] = {}
    due = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    for message_id in list(due):
        result = deliver(str(message_id))
        outcome[result] = outcome.get(result, 0) + 1
    return outcome
