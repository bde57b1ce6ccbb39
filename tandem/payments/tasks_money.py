"""Background work for payouts and documents. Jobs take ids, load fresh state, may run twice."""

from django_tasks import task


@task()
def payout_transfer_task(payout_id: int) -> None:
    """Send a Stripe Connect payout (idempotency key payout-<public_id>)."""
    from .payouts.services import payout_transfer

    payout_transfer(payout_id)


@task()
def document_email_task(invoice_id: int) -> None:
    """Email an invoice or receipt to its client with the PDF attached."""
    from .documents.services import send_document_email

    send_document_email(invoice_id)
