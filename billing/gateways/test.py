"""The built-in test gateway: no network, deterministic outcomes chosen by the card, like the
test cards of real acquirers. Any Luhn-valid card number with a future expiry (MM/YY, MMYY or
MM/YYYY) and a 3-4 digit CVV is paid, except:

    4000000000000002  insufficient funds (7)
    4000000000000069  card rejected by the issuer (11)
    4000000000000119  gateway unreachable (3)
    4100000000000019  suspected fraud (6)

A paid card is saved (token) for saved_card/pay."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings

from .base import CardData, Gateway, GatewayError, GatewayPayment, GatewayResult

FAILING_CARDS = {
    "4000000000000002": (7, "insufficient funds"),
    "4000000000000069": (11, "declined by the issuing bank"),
    "4000000000000119": (3, "gateway unreachable"),
    "4100000000000019": (6, "suspected fraud"),
}


def luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def parse_expiry(value: str) -> tuple[int, int] | None:
    digits = value.replace("/", "").replace(" ", "").replace("-", "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (4, 6):
        return None
    month, year = int(digits[:2]), int(digits[2:])
    if len(digits) == 4:
        year += 2000
    if not 1 <= month <= 12:
        return None
    return month, year


class TestGateway(Gateway):
    __test__ = False  # not a pytest test class
    name = "test"
    title = "Test gateway"

    def merchant_url(self, payment: GatewayPayment) -> str:
        template = settings.BILLING_TEST_GATEWAY_MERCHANT_URL
        return template.replace("%transaction_id%", str(payment.id)) if template else ""

    def create_payment(self, payment: GatewayPayment) -> GatewayResult:
        return GatewayResult(payment_id=f"test-{secrets.token_hex(8)}", session_id=secrets.token_hex(16))

    def process_payment(self, payment: GatewayPayment, card: CardData) -> GatewayResult:
        number = "".join(ch for ch in card.number if ch != " ")
        if not (number.isascii() and number.isdigit()) or not 12 <= len(number) <= 19 or not luhn_ok(number):
            raise GatewayError(10, "invalid card number")
        expiry = parse_expiry(card.expire)
        today = dt.date.today()
        if expiry is None or (expiry[1], expiry[0]) < (today.year, today.month):
            raise GatewayError(10, "invalid or past card expiry")
        if not (card.cvv.isascii() and card.cvv.isdigit() and len(card.cvv) in (3, 4)):
            raise GatewayError(10, "invalid CVV")
        if number in FAILING_CARDS:
            code, message = FAILING_CARDS[number]
            raise GatewayError(code, message)
        return GatewayResult(
            payment_id=payment.gateway_ref, card_token=f"tok_{secrets.token_hex(12)}", card_mask=card.masked()
        )

    def pay_with_token(self, payment: GatewayPayment, token: str) -> GatewayResult:
        if not token.startswith("tok_"):
            raise GatewayError(5, "unknown saved card")
        return GatewayResult(payment_id=f"test-{secrets.token_hex(8)}")
