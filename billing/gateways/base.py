"""The interface a payment gateway implements. Real gateways (card acquirers, wallets) are
classes like the built-in test gateway; they raise GatewayError with one of the reference's
payment codes (billing.errors.CustomerPaymentCreate) when the payment fails."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class GatewayError(Exception):
    """A failed gateway operation. `code` is the reference's payment error code (2..14)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GatewayConfigError(Exception):
    """The gateway configuration is unusable (code 723 in the reference)."""


class UnknownGatewayError(Exception):
    """No configured gateway has the requested merchant_type."""


@dataclass(frozen=True)
class CardData:
    """Card details as the application sent them; never stored."""

    number: str
    holder: str
    expire: str
    cvv: str

    def masked(self) -> str:
        digits = "".join(ch for ch in self.number if "0" <= ch <= "9")
        return digits[:6] + "*" * max(len(digits) - 10, 0) + digits[-4:] if len(digits) >= 10 else "****"


@dataclass(frozen=True)
class GatewayPayment:
    """What the gateway needs to know about a payment."""

    id: int
    amount: Decimal
    currency: str
    customer_id: int
    gateway_ref: str = ""
    session_id: str = ""


@dataclass(frozen=True)
class GatewayResult:
    payment_id: str = ""
    session_id: str = ""
    #: a token for later payments (saved card) and its printable mask
    card_token: str = ""
    card_mask: str = ""


class Gateway:
    """Base class: a gateway named `name` (the merchant_type of the requests)."""

    name = ""
    title = ""

    def merchant_url(self, payment: GatewayPayment) -> str:
        """The page where the subscriber pays, or "" when the application's own card form
        is used (then payment/create and payment/process follow)."""
        return ""

    def create_payment(self, payment: GatewayPayment) -> GatewayResult:
        raise NotImplementedError

    def process_payment(self, payment: GatewayPayment, card: CardData) -> GatewayResult:
        raise NotImplementedError

    def pay_with_token(self, payment: GatewayPayment, token: str) -> GatewayResult:
        raise GatewayError(13, f"{self.name}: saved cards are not supported")
