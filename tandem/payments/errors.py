"""Payment errors (each a ServiceError with a stable code)."""

from tandem.core.errors import Conflict, InvalidInput, ServiceError


class InsufficientFunds(Conflict):
    """There is not enough balance for that."""

    code = "insufficient_funds"


class PaymentNotOpen(Conflict):
    """This payment is not awaiting payment any more."""

    code = "payment_not_open"


class CurrencyMismatch(InvalidInput):
    """That balance is in another currency."""

    code = "currency_mismatch"


class UnbalancedTransaction(ServiceError):
    """A ledger posting did not balance (a programming error, never user input)."""

    status = 500
    code = "unbalanced_transaction"


class ProviderError(ServiceError):
    """The payment provider refused or could not be reached."""

    status = 502
    code = "provider_error"


class InvalidWebhook(InvalidInput):
    """The webhook's signature or timestamp is not valid."""

    code = "invalid_signature"


class PaymentRequired(ServiceError):
    """This session is paid by card: book it with POST /api/v1/checkout."""

    status = 402
    code = "payment_required"
