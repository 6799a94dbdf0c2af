"""YooKassa (API v3), written from its public documentation.

- Every request: HTTP Basic auth with the shop id and the secret key; JSON bodies; every
  POST carries an `Idempotence-Key` header (the same key repeats the same operation only once
  on YooKassa's side), made here from the Smarty payment id and the operation.
- POST /payments: amount {value "10.00", currency}, `capture: true` (one-stage payment),
  `confirmation` {type "redirect", return_url} (the answer has confirmation.confirmation_url)
  or {type "qr"} (the answer has confirmation.confirmation_data, the text of the QR code),
  `metadata` (our payment id), `description`.
- GET /payments/{id}: the payment object; `status` is pending, waiting_for_capture,
  succeeded or canceled (cancellation_details.reason says why).
- POST /payments/{id}/capture and /cancel for two-stage payments.
- Saved cards: `save_payment_method: true` in POST /payments asks YooKassa to keep the card;
  the paid payment's `payment_method` then has `saved: true` and its `id`, the token. A later
  payment sends `payment_method_id` (the token) instead of a confirmation: its answer is the
  payment with its status (usually succeeded or canceled at once; pending is fetched later).
- Refunds: POST /refunds {payment_id, amount, description}: the refund object with `id` and
  `status` pending, succeeded or canceled (cancellation_details.reason); GET /refunds/{id}.
- Receipts (54-FZ, "payment first, then the receipt"): POST /receipts {type "payment",
  payment_id, customer {email}, send: true, items [{description, quantity, amount, vat_code,
  payment_mode, payment_subject}], settlements [{type "cashless", amount}]}: the receipt
  object; the fiscal data operator sends it to the email.
- Notifications: YooKassa POSTs {"type": "notification", "event": "payment.succeeded", ...,
  "object": {payment}} to the shop's URL. They carry no signature, so only `object.id` is
  taken from them; the state, amount and currency are fetched back with GET /payments/{id}.
- Errors: HTTP 4xx/5xx with {"type": "error", "code": ..., "description": ...}.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

import requests
from django.conf import settings

from .base import (
    CANCELED,
    NOTIFICATIONS,
    QR,
    RECEIPTS,
    REDIRECT,
    REFUND_STATES,
    REFUNDS,
    SAVED_CARDS,
    STATES,
    Gateway,
    GatewayCheckout,
    GatewayConfigError,
    GatewayError,
    GatewayPayment,
    GatewayRefund,
    GatewayStatus,
)

PUBLIC_API = "https://api.yookassa.ru/v3"

# cancellation_details.reason -> the reference's payment error codes
CANCEL_CODES = {
    "insufficient_funds": 7,
    "fraud_suspected": 6,
    "card_expired": 10,
    "invalid_card_number": 10,
    "invalid_csc": 10,
    "issuer_unavailable": 11,
    "payment_method_limit_exceeded": 8,
    "payment_method_restricted": 5,
    "3d_secure_failed": 9,
    "country_forbidden": 15,
    "permission_revoked": 19,
    "expired_on_confirmation": 2,
    "canceled_by_merchant": 2,
}
HTTP_CODES = {400: 4, 401: 9, 403: 13, 404: 2, 429: 3}


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


class YooKassaGateway(Gateway):
    name = "yookassa"
    title = "YooKassa"
    capabilities = frozenset({REDIRECT, QR, NOTIFICATIONS, SAVED_CARDS, REFUNDS, RECEIPTS})
    needs_account = True

    # --- HTTP ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, account, body: dict | None = None, key: str = "") -> dict:
        if account is None or not account.shop_id or not account.secret_key:
            raise GatewayConfigError("YooKassa: the operator has no shop id / secret key")
        url = (account.api_url or PUBLIC_API).rstrip("/") + path
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotence-Key"] = key
        try:
            response = requests.request(
                method,
                url,
                auth=(account.shop_id, account.secret_key),
                headers=headers,
                data=json.dumps(body) if body is not None else None,
                timeout=settings.BILLING_GATEWAY_TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise GatewayError(3, f"YooKassa unreachable: {type(exc).__name__}") from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400 or not isinstance(data, dict):
            description = data.get("description", "") if isinstance(data, dict) else ""
            raise GatewayError(
                HTTP_CODES.get(response.status_code, 2), f"YooKassa {response.status_code}: {description}"
            )
        return data

    def _status(self, data: dict) -> GatewayStatus:
        amount = data.get("amount") or {}
        try:
            value = Decimal(str(amount.get("value", "")))
        except (InvalidOperation, ValueError):
            raise GatewayError(2, "YooKassa answered a payment without an amount") from None
        state = data.get("status", "")
        if state not in STATES or not data.get("id"):
            raise GatewayError(2, f"YooKassa answered an unknown payment status {state!r}")
        method = data.get("payment_method") or {}
        card = method.get("card") or {}
        mask = f"{card.get('first6', '')}******{card.get('last4', '')}" if card else ""
        reason = (data.get("cancellation_details") or {}).get("reason", "") if state == CANCELED else ""
        return GatewayStatus(
            payment_id=str(data["id"]),
            state=state,
            amount=value,
            currency=str(amount.get("currency", "")),
            card_token=str(method.get("id", "")) if method.get("saved") else "",
            card_mask=mask,
            reason=reason,
        )

    # --- operations --------------------------------------------------------------------------

    def checkout(
        self, payment: GatewayPayment, *, kind: str, account, return_url: str = "", save_card: bool = False
    ) -> GatewayCheckout:
        if kind == REDIRECT:
            confirmation = {
                "type": "redirect",
                "return_url": return_url or account.return_url or "https://example.invalid/",
            }
        elif kind == QR:
            confirmation = {"type": "qr"}
        else:
            raise GatewayError(13, f"YooKassa: {kind} is not supported")
        body = {
            "amount": {"value": _money(payment.amount), "currency": payment.currency},
            "capture": True,
            "confirmation": confirmation,
            "description": f"Payment {payment.id}",
            "metadata": {"smarty_payment_id": str(payment.id), "customer_id": str(payment.customer_id)},
        }
        if save_card:
            body["save_payment_method"] = True
        data = self._request("POST", "/payments", account=account, body=body, key=f"smarty-{payment.id}-create")
        status = self._status(data)
        confirmation_data = data.get("confirmation") or {}
        return GatewayCheckout(
            payment_id=status.payment_id,
            confirmation_url=str(confirmation_data.get("confirmation_url", "")),
            qr_data=str(confirmation_data.get("confirmation_data", "")),
        )

    def fetch(self, payment_id: str, *, account) -> GatewayStatus:
        if not payment_id or "/" in payment_id or len(payment_id) > 64:
            raise GatewayError(4, "bad YooKassa payment id")
        return self._status(self._request("GET", f"/payments/{payment_id}", account=account))

    def capture(self, payment_id: str, *, amount: Decimal, currency: str, account) -> GatewayStatus:
        body = {"amount": {"value": _money(amount), "currency": currency}}
        key = f"smarty-{payment_id}-capture"
        return self._status(
            self._request("POST", f"/payments/{payment_id}/capture", account=account, body=body, key=key)
        )

    def cancel(self, payment_id: str, *, account) -> GatewayStatus:
        key = f"smarty-{payment_id}-cancel"
        return self._status(self._request("POST", f"/payments/{payment_id}/cancel", account=account, body={}, key=key))

    def charge_saved(self, payment: GatewayPayment, token: str, *, account) -> GatewayStatus:
        body = {
            "amount": {"value": _money(payment.amount), "currency": payment.currency},
            "capture": True,
            "payment_method_id": token,
            "description": f"Payment {payment.id}",
            "metadata": {"smarty_payment_id": str(payment.id), "customer_id": str(payment.customer_id)},
        }
        return self._status(
            self._request("POST", "/payments", account=account, body=body, key=f"smarty-{payment.id}-saved")
        )

    @staticmethod
    def _refund(data: dict) -> GatewayRefund:
        state = data.get("status", "")
        if state not in REFUND_STATES or not data.get("id"):
            raise GatewayError(2, f"YooKassa answered an unknown refund status {state!r}")
        try:
            value = Decimal(str((data.get("amount") or {}).get("value", "")))
        except (InvalidOperation, ValueError):
            raise GatewayError(2, "YooKassa answered a refund without an amount") from None
        reason = (data.get("cancellation_details") or {}).get("reason", "") if state == CANCELED else ""
        return GatewayRefund(refund_id=str(data["id"]), state=state, amount=value, reason=str(reason))

    def refund(self, payment_id: str, *, amount: Decimal, currency: str, account, key: str) -> GatewayRefund:
        body = {"payment_id": payment_id, "amount": {"value": _money(amount), "currency": currency}}
        return self._refund(self._request("POST", "/refunds", account=account, body=body, key=key))

    def refund_fetch(self, refund_id: str, *, account) -> GatewayRefund:
        if not refund_id or "/" in refund_id or len(refund_id) > 64:
            raise GatewayError(4, "bad YooKassa refund id")
        return self._refund(self._request("GET", f"/refunds/{refund_id}", account=account))

    def receipt(
        self, payment_id: str, *, amount: Decimal, currency: str, email: str, description: str, account, key: str
    ) -> str:
        money = {"value": _money(amount), "currency": currency}
        body = {
            "type": "payment",
            "payment_id": payment_id,
            "customer": {"email": email},
            "send": True,
            "items": [
                {
                    "description": description[:128],
                    "quantity": "1.00",
                    "amount": money,
                    "vat_code": account.vat_code if account is not None else 1,
                    "payment_mode": "full_prepayment",
                    "payment_subject": "service",
                }
            ],
            "settlements": [{"type": "cashless", "amount": money}],
        }
        data = self._request("POST", "/receipts", account=account, body=body, key=key)
        if data.get("status") == CANCELED or not data.get("id"):
            raise GatewayError(2, "YooKassa refused the receipt")
        return str(data["id"])

    def notification_payment_id(self, body: bytes) -> str:
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return ""
        if not isinstance(data, dict) or data.get("type") != "notification":
            return ""
        obj = data.get("object")
        if not isinstance(obj, dict) or not str(data.get("event", "")).startswith("payment."):
            return ""
        return str(obj.get("id", ""))[:64]

    @staticmethod
    def failure_code(reason: str) -> int:
        return CANCEL_CODES.get(reason, 2)
