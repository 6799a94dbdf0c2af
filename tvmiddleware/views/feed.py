"""Feed (reference tvmw/Feed.md): the operator's curated feeds; a "continue watching" feed is
filled from where the account stopped watching. Both methods answer with client_id + api_key;
with a session too, a feed that requires one shows the account's data."""

from __future__ import annotations

from accounts.selectors import session_get_active
from portal import selectors as portal
from smarty.api import ApiError, Call, Number, String

from ..api import tvmw
from .live_common import NOAUTH_PARAMS
from .portaldashboard import device_id

FEED_LIST_FAILED = 1
FEED_NOT_FOUND = 1
FEED_AUTH_REQUIRED = 2
FEED_BAD_DEVICE = 3
FEED_BAD_CONTENT = 4
FEED_DISABLED = 5


def _account(call: Call):
    authkey = call.data.get("authkey") or call.request.COOKIES.get("authkey", "")
    session = session_get_active(authkey=authkey) if authkey else None
    if session is None or session.client_id != call.client.pk:
        return None
    call.session = session
    return session.account


@tvmw.method("/feed/list/", "FeedList", params=NOAUTH_PARAMS, auth=["client"])
def feed_list(call: Call) -> dict:
    feeds = portal.feed_list(client_id=call.client.pk, device_id=device_id(call))
    return {
        "error_message": "",
        "feeds": [
            {
                "name": f.name,
                "id": f.pk,
                "auth_required": int(f.auth_required or f.is_continue_watching),
                "is_continue_watching": int(f.is_continue_watching),
                "continue_watching_count": f.continue_watching_count,
            }
            for f in feeds
        ],
    }


def _item(feed_id: int, item, position) -> dict:
    return {
        "feed_id": feed_id,
        "type": item.type,
        "content_name": item.content_name,
        "genres": item.genres,
        "content_id": item.content_id,
        "rating": item.rating,
        "duration": item.duration if item.type != portal.FeedItemType.CHANNEL else 0,
        "deeplink": item.deeplink,
        "poster_aspect_ratio": item.poster_aspect_ratio,
        "poster": item.poster,
        "description": item.description if item.type != portal.FeedItemType.CHANNEL else "",
        "position": position.position if position is not None else 0,
        "last_viewing_date": int(position.updated_at.timestamp()) if position is not None else 0,
    }


@tvmw.method(
    "/feed/detail/",
    "FeedDetail",
    params=[*NOAUTH_PARAMS, String("authkey"), Number("id")],
    auth=["client"],
    param_error_code=FEED_NOT_FOUND,
)
def feed_detail(call: Call) -> dict:
    if call.params["id"] is None:
        raise ApiError(FEED_NOT_FOUND, "Invalid parameters: id: required", {"id": "required"})
    feed = next(
        (f for f in portal.feed_list(client_id=call.client.pk, device_id=device_id(call)) if f.pk == call.params["id"]),
        None,
    )
    if feed is None:
        raise ApiError(FEED_NOT_FOUND, "Feed not found or not available for this device", {"id": "not found"})
    account = _account(call)
    if (feed.auth_required or feed.is_continue_watching) and account is None:
        raise ApiError(FEED_AUTH_REQUIRED, "This feed requires authorization")
    if feed.is_continue_watching:
        positions = portal.content_positions(
            account=account, content_type=portal.ContentPositionType.VIDEO, limit=feed.continue_watching_count
        ) + portal.content_positions(
            account=account, content_type=portal.ContentPositionType.PROGRAM, limit=feed.continue_watching_count
        )
        positions = sorted(positions, key=lambda p: p.updated_at, reverse=True)[: feed.continue_watching_count]
        items = [_item(feed.pk, portal.feed_item_of_position(p), p) for p in positions if not p.is_viewed]
        return {"error_message": "", "feed": items}
    items = portal.feed_items(feed)
    positions: dict = {}
    if account is not None and items:
        for p in portal.content_positions(account=account, content_type=portal.ContentPositionType.VIDEO, limit=500):
            positions.setdefault((p.content_type, p.content_id), p)
        for p in portal.content_positions(account=account, content_type=portal.ContentPositionType.PROGRAM, limit=500):
            positions.setdefault((p.content_type, p.content_id), p)
    return {
        "error_message": "",
        "feed": [_item(feed.pk, i, positions.get((i.type, i.content_id))) for i in items],
    }
