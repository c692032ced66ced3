from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

PLATFORM_CHAIN = "platform"


class AppendOnlyError(Exception):
    """The operation log is never changed or deleted, only appended to."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """One recorded operation. Entries of one chain (an organization, or the platform) are linked
    by hashes: each holds the SHA-256 of its own content and of the entry before it."""

    chain = models.CharField(max_length=64)
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField(_("date and time"), db_index=True)
    # Plain ids plus snapshots, not foreign keys: the log outlives the rows it talks about, and a
    # deleted user must not change (or block) entries that name them.
    actor_id = models.UUIDField(null=True, blank=True)
    actor_email = models.CharField(_("actor"), max_length=254, blank=True)
    organization_id = models.UUIDField(null=True, blank=True, db_index=True)
    acting_for_id = models.UUIDField(null=True, blank=True)
    acting_for_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(_("operation"), max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("operation log entry")
        verbose_name_plural = _("operation log")
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "sequence"], name="audit_entry_chain_sequence"
            ),
        ]
        indexes = [models.Index(fields=["organization_id", "-occurred_at"], name="audit_org_time")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditChainHead(models.Model):
    """The last entry of each chain; locked while an entry is appended, so links never fork."""

    chain = models.CharField(max_length=64, primary_key=True)
    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.chain} @ {self.sequence}"
