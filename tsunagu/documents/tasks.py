from __future__ import annotations

from django_tasks import task

from tsunagu.documents import billing


@task()
def process_billing_run(run_id: str) -> str:
    """Issue the invoices of one billing run; safe to run twice (a finished run is left alone,
    an invoice already issued is not issued again)."""
    return billing.process_run(run_id)


@task()
def issue_order_invoice(order_id: str, membership_id: str) -> str:
    """The invoice of a delivered order of a customer billed per delivery (per_order.py)."""
    from tsunagu.documents import per_order

    return per_order.issue_for_delivered(order_id, membership_id)
