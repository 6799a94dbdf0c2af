"""Phone verification gateways: how a code reaches a subscriber's phone.

A gateway is a class named by SMARTY_PHONE_GATEWAY (dotted path). The shipped
LoggingPhoneGateway sends nothing: it writes the code to the smarty_messaging log, which is
what a test bench or a demo needs. Real SMS / call gateways subclass PhoneGateway."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from smarty.logging import log_event


class GatewayError(Exception):
    """The gateway could not deliver (network, provider refusal...)."""


class PhoneGateway:
    """Interface. `method` in settings.SMARTY_PHONE_VERIFICATION_METHOD picks which call
    the verification service makes:

    - "sms": send_code(), the subscriber types the code it received;
    - "flash_call": flash_call(), the last digits of the calling number are the code;
    - "call": request_call() returns the number the subscriber must call from the phone;
      the gateway then reports the call (accounts.services.phone.phone_call_confirm).
    """

    def send_code(self, *, client, phone: str, code: str) -> None:
        raise GatewayError("this gateway cannot send SMS")

    def flash_call(self, *, client, phone: str, code: str) -> None:
        raise GatewayError("this gateway cannot place flash calls")

    def request_call(self, *, client, phone: str) -> str:
        raise GatewayError("this gateway cannot take confirmation calls")

    def send_text(self, *, client, phone: str, text: str) -> None:
        """A free-text SMS (a new password, the parental PIN)."""
        raise GatewayError("this gateway cannot send text messages")


class LoggingPhoneGateway(PhoneGateway):
    """Delivers nothing; logs PHONE_CODE_SENT with the code (demo and test benches)."""

    def send_code(self, *, client, phone: str, code: str) -> None:
        log_event("smarty_messaging", "PHONE_CODE_SENT", client=client.pk, phone=phone, method="sms", code=code)

    def flash_call(self, *, client, phone: str, code: str) -> None:
        log_event("smarty_messaging", "PHONE_CODE_SENT", client=client.pk, phone=phone, method="flash_call", code=code)

    def request_call(self, *, client, phone: str) -> str:
        number = settings.SMARTY_PHONE_CONFIRMATION_NUMBER
        log_event("smarty_messaging", "PHONE_CODE_SENT", client=client.pk, phone=phone, method="call", call_to=number)
        return number

    def send_text(self, *, client, phone: str, text: str) -> None:
        log_event("smarty_messaging", "PHONE_TEXT_SENT", client=client.pk, phone=phone, text=text)


def get_gateway() -> PhoneGateway:
    return import_string(settings.SMARTY_PHONE_GATEWAY)()
