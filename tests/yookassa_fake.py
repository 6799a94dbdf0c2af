"""A local fake of the YooKassa API v3 for tests: a small HTTP server on loopback that follows
the public documentation (Basic auth with shop id and secret key, Idempotence-Key on every
POST with the same answer for a repeated key, payment objects with pending /
waiting_for_capture / succeeded / canceled, confirmation redirect or qr, capture and cancel,
error objects), saved payment methods (`save_payment_method`, then `payment_method_id`), refunds
(POST /refunds, GET /refunds/{id}) and receipts (POST /receipts). Tests move a payment on
(`succeed`, `cancel`) as the subscriber paying would; `refund_outcome` and
`saved_card_outcome` choose how the next refunds and saved-card payments end."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeYooKassa:
    def __init__(self, shop_id: str = "shop-1", secret_key: str = "test_secret") -> None:
        self.shop_id, self.secret_key = shop_id, secret_key
        self.payments: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.receipts: dict[str, dict] = {}
        self.saved_methods: set[str] = set()
        self.refund_outcome = "succeeded"
        self.saved_card_outcome = "succeeded"
        self.idempotent: dict[str, tuple[int, dict]] = {}
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                expected = base64.b64encode(f"{fake.shop_id}:{fake.secret_key}".encode()).decode()
                return self.headers.get("Authorization", "") == f"Basic {expected}"

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path))
                if not self._authorised():
                    return self._send(401, fake.error("invalid_credentials", "bad shop id or key"))
                parts = self.path.strip("/").split("/")
                if len(parts) == 3 and parts[:2] == ["v3", "payments"] and parts[2] in fake.payments:
                    return self._send(200, fake.payments[parts[2]])
                if len(parts) == 3 and parts[:2] == ["v3", "refunds"] and parts[2] in fake.refunds:
                    return self._send(200, fake.refunds[parts[2]])
                return self._send(404, fake.error("not_found", "no such object"))

            def do_POST(self) -> None:
                fake.requests.append(("POST", self.path))
                if not self._authorised():
                    return self._send(401, fake.error("invalid_credentials", "bad shop id or key"))
                key = self.headers.get("Idempotence-Key", "")
                if not key:
                    return self._send(400, fake.error("invalid_request", "Idempotence-Key is required"))
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)) or b"{}")
                with fake.lock:
                    if key in fake.idempotent:
                        return self._send(*fake.idempotent[key])
                    status, answer = fake.handle_post(self.path, body)
                    fake.idempotent[key] = (status, answer)
                return self._send(status, answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v3"

    def start(self) -> FakeYooKassa:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def error(code: str, description: str) -> dict:
        return {"type": "error", "id": str(uuid.uuid4()), "code": code, "description": description}

    def handle_post(self, path: str, body: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts == ["v3", "payments"]:
            amount = body.get("amount") or {}
            if Decimal(str(amount.get("value", "0"))) <= 0 or not amount.get("currency"):
                return 400, self.error("invalid_request", "amount")
            confirmation = body.get("confirmation") or {}
            pid = str(uuid.uuid4())
            payment = {
                "id": pid,
                "status": "pending",
                "paid": False,
                "amount": {"value": amount["value"], "currency": amount["currency"]},
                "created_at": "2026-01-01T00:00:00.000Z",
                "description": body.get("description", ""),
                "metadata": body.get("metadata", {}),
                "recipient": {"account_id": self.shop_id, "gateway_id": "1"},
                "refundable": False,
                "test": True,
            }
            if confirmation.get("type") == "redirect":
                payment["confirmation"] = {
                    "type": "redirect",
                    "return_url": confirmation.get("return_url", ""),
                    "confirmation_url": f"https://yoomoney.example/checkout/payments/v2/contract?orderId={pid}",
                }
            elif confirmation.get("type") == "qr":
                payment["confirmation"] = {"type": "qr", "confirmation_data": f"https://qr.example/pay/{pid}"}
            if body.get("save_payment_method"):
                payment["save_payment_method"] = True
            method_id = body.get("payment_method_id")
            if method_id:
                if method_id not in self.saved_methods:
                    return 400, self.error("invalid_request", "payment_method_id is not a saved method")
                payment["payment_method"] = {"type": "bank_card", "id": method_id, "saved": True}
                if self.saved_card_outcome == "succeeded":
                    payment.update(status="succeeded", paid=True, refundable=True)
                elif self.saved_card_outcome == "canceled":
                    payment.update(
                        status="canceled",
                        cancellation_details={"party": "payment_network", "reason": "insufficient_funds"},
                    )
            self.payments[pid] = payment
            return 200, payment
        if parts == ["v3", "refunds"]:
            payment = self.payments.get(str(body.get("payment_id", "")))
            if payment is None:
                return 404, self.error("not_found", "no such payment")
            value = Decimal(str((body.get("amount") or {}).get("value", "0")))
            done = sum(
                (Decimal(r["amount"]["value"]) for r in self.refunds.values() if r["payment_id"] == payment["id"]
                 and r["status"] != "canceled"),
                start=Decimal(0),
            )  # fmt: skip
            if payment["status"] != "succeeded" or value <= 0 or done + value > Decimal(payment["amount"]["value"]):
                return 400, self.error("invalid_request", "the payment cannot be refunded by that amount")
            rid = str(uuid.uuid4())
            refund = {
                "id": rid,
                "payment_id": payment["id"],
                "status": self.refund_outcome,
                "created_at": "2026-01-01T00:00:00.000Z",
                "amount": {"value": f"{value:.2f}", "currency": body["amount"]["currency"]},
            }
            if self.refund_outcome == "canceled":
                refund["cancellation_details"] = {"party": "yoo_money", "reason": "rejected_by_payee"}
            self.refunds[rid] = refund
            return 200, refund
        if parts == ["v3", "receipts"]:
            payment = self.payments.get(str(body.get("payment_id", "")))
            email = (body.get("customer") or {}).get("email", "")
            if payment is None or payment["status"] != "succeeded":
                return 400, self.error("invalid_request", "no paid payment with that id")
            if not email or not body.get("items") or not body.get("settlements") or body.get("type") != "payment":
                return 400, self.error("invalid_request", "customer.email, items, settlements and type are required")
            rid = str(uuid.uuid4())
            receipt = {"id": rid, "type": "payment", "payment_id": payment["id"], "status": "pending", **body}
            self.receipts[rid] = receipt
            return 200, receipt
        if len(parts) == 4 and parts[:2] == ["v3", "payments"] and parts[2] in self.payments:
            payment = self.payments[parts[2]]
            if parts[3] == "capture" and payment["status"] == "waiting_for_capture":
                payment.update(status="succeeded", paid=True)
                return 200, payment
            if parts[3] == "cancel" and payment["status"] in ("pending", "waiting_for_capture"):
                payment.update(
                    status="canceled", cancellation_details={"party": "merchant", "reason": "canceled_by_merchant"}
                )
                return 200, payment
            return 400, self.error("invalid_request", f"cannot {parts[3]} a {payment['status']} payment")
        return 404, self.error("not_found", "no such payment")

    # --- what the subscriber does on the payment page -------------------------------------

    def succeed(self, pid: str, *, two_stage: bool = False, save_card: bool | None = None) -> None:
        """The subscriber pays; the card is saved when the shop asked (save_payment_method)
        or the test says so."""
        payment = self.payments[pid]
        payment["status"] = "waiting_for_capture" if two_stage else "succeeded"
        payment["paid"] = True
        payment["refundable"] = not two_stage
        saved = bool(payment.get("save_payment_method")) if save_card is None else save_card
        payment["payment_method"] = {
            "type": "bank_card",
            "id": f"pm-{pid}",
            "saved": saved,
            "card": {"first6": "555555", "last4": "4444", "expiry_month": "12", "expiry_year": "2030"},
        }
        if saved:
            self.saved_methods.add(f"pm-{pid}")

    def cancel(self, pid: str, reason: str = "insufficient_funds") -> None:
        self.payments[pid].update(
            status="canceled", cancellation_details={"party": "payment_network", "reason": reason}
        )

    def notification(self, pid: str, event: str = "payment.succeeded") -> bytes:
        return json.dumps({"type": "notification", "event": event, "object": self.payments[pid]}).encode()
