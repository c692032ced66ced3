from __future__ import annotations

from django_tasks import task

from tsunagu.notifications import services


@task()
def deliver_message(message_id: str) -> str:
    """Send one outbox message; safe to run twice (a sent message is left alone)."""
    return services.deliver(message_id)
