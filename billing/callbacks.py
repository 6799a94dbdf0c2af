"""Gateway callbacks (notifications): POST /payments/notify/<gateway>/<client_id>/. The body
only names a payment; billing.payments fetches its state from the gateway. Answers 200 once
the state is applied (or the callback is not about a payment of ours), 502 when the gateway
could not be asked, so the gateway calls again."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from .gateways import GatewayConfigError, GatewayError, UnknownGatewayError
from .payments import payment_notification

logger = logging.getLogger("smarty_payment")
MAX_BODY = 64 * 1024


@csrf_exempt
def gateway_notification(request: HttpRequest, gateway: str, client_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = request.body[:MAX_BODY]
    try:
        payment_notification(client_id=client_id, gateway_name=gateway, body=body)
    except UnknownGatewayError:
        return HttpResponse(status=404)
    except (GatewayError, GatewayConfigError) as exc:
        logger.warning(
            "NOTIFY_ERROR", extra={"event": "NOTIFY_ERROR", "context": {"payment_source": gateway, "error": str(exc)}}
        )
        return HttpResponse(status=502)
    return HttpResponse(status=200)
