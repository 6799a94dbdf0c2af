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


@dataclass(frozen=True)
class GatewayCheckout:
    """A payment registered with the gateway, waiting for the subscriber: the page to send
    them to (redirect) or the text of the QR code to show (qr)."""

    payment_id: str
    confirmation_url: str = ""
    qr_data: str = ""


@dataclass(frozen=True)
class GatewayStatus:
    """The gateway's own view of a payment, fetched from it (never taken from a callback's
    body): `state` is one of STATES."""

    payment_id: str
    state: str
    amount: Decimal
    currency: str
    card_token: str = ""
    card_mask: str = ""
    reason: str = ""


PENDING, WAITING_FOR_CAPTURE, SUCCEEDED, CANCELED = "pending", "waiting_for_capture", "succeeded", "canceled"
STATES = (PENDING, WAITING_FOR_CAPTURE, SUCCEEDED, CANCELED)
REFUND_STATES = (PENDING, SUCCEEDED, CANCELED)


@dataclass(frozen=True)
class GatewayRefund:
    """The gateway's view of a refund: `state` is one of REFUND_STATES."""

    refund_id: str
    state: str
    amount: Decimal
    reason: str = ""


# What a gateway can declare it supports (Gateway.capabilities). NOTIFICATIONS: payments end
# asynchronously and the gateway is asked how (fetch); RECEIPTS: it sends fiscal receipts.
REDIRECT, QR, CARD_FORM, SAVED_CARDS, THREE_DS, REFUNDS, NOTIFICATIONS, RECEIPTS = (
    "redirect",
    "qr",
    "card_form",
    "saved_cards",
    "3ds",
    "refunds",
    "notifications",
    "receipts",
)


class Gateway:
    """Base class: a gateway named `name` (the merchant_type of the requests). `capabilities`
    declares what it supports; a method of an undeclared capability is never called."""

    name = ""
    title = ""
    capabilities: frozenset[str] = frozenset({CARD_FORM, SAVED_CARDS})
    #: whether the gateway needs an operator's GatewayAccount (shop id, secret)
    needs_account = False

    def checkout(
        self, payment: GatewayPayment, *, kind: str, account, return_url: str = "", save_card: bool = False
    ) -> GatewayCheckout:
        """Register the payment for a redirect (kind "redirect") or a QR code ("qr");
        `save_card` asks the gateway to keep the card for later payments."""
        raise GatewayError(13, f"{self.name}: {kind} payments are not supported")

    def fetch(self, payment_id: str, *, account) -> GatewayStatus:
        """The payment's state as the gateway's API reports it."""
        raise GatewayError(13, f"{self.name}: status queries are not supported")

    def capture(self, payment_id: str, *, amount: Decimal, currency: str, account) -> GatewayStatus:
        raise GatewayError(13, f"{self.name}: capture is not supported")

    def cancel(self, payment_id: str, *, account) -> GatewayStatus:
        raise GatewayError(13, f"{self.name}: cancel is not supported")

    def charge_saved(self, payment: GatewayPayment, token: str, *, account) -> GatewayStatus:
        """Pay with a saved card (asynchronous gateways: the answer is the payment's state)."""
        raise GatewayError(13, f"{self.name}: saved cards are not supported")

    def refund(self, payment_id: str, *, amount: Decimal, currency: str, account, key: str) -> GatewayRefund:
        """Give back `amount` of a paid payment; `key` makes a repeated request one refund."""
        raise GatewayError(13, f"{self.name}: refunds are not supported")

    def refund_fetch(self, refund_id: str, *, account) -> GatewayRefund:
        raise GatewayError(13, f"{self.name}: refunds are not supported")

    def receipt(
        self, payment_id: str, *, amount: Decimal, currency: str, email: str, description: str, account, key: str
    ) -> str:
        """Have the gateway send the payment's receipt to `email`; the receipt's id."""
        raise GatewayError(13, f"{self.name}: receipts are not supported")

    def notification_payment_id(self, body: bytes) -> str:
        """The gateway's payment id a callback is about ("" when it is not about one). The
        callback's body is not trusted beyond that: the state is fetched from the API."""
        return ""

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
