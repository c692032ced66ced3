from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import BaseModel


class OutboxMessage(BaseModel):
    """A mail to send. Written in the same transaction as the change it tells about, sent by the
    worker, retried with backoff while the mail server is down."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")
        # The worker died (or the connection broke) while the mail server was taking the mail:
        # it was most likely delivered, so it is not sent again (decision: mail at most once).
        UNCONFIRMED = "unconfirmed", _("Maybe sent (not confirmed by the mail server)")

    organization_id = models.UUIDField(null=True, blank=True, db_index=True)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Files sent with the mail, stored encrypted and decrypted only when sending: a list of
    # {"storage_name", "filename", "content_type", "sha256"} (sha256 optional, checked if given).
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Who is sending it and until when (tsunagu.ops.leases): the sender's heartbeat renews it.
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Set just before the message itself goes to the mail server (SMTP DATA): a sender that dies
    # before it leaves a mail that can safely be sent again; after it, one that may be delivered.
    handed_off_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject} ({self.status})"
