"""Fetching and parsing the widgets' data sources: an RSS (or Atom) news feed, the current
weather, exchange rates. Downloads have connect/read timeouts, a deadline for the whole body
and a size cap; XML is parsed without entities, DTDs or network access (like the EPG's XMLTV
parser), and a document that declares entities is refused outright.

Formats read:
- rss: RSS 2.0 `<item>` or Atom `<entry>` (title, description/summary, an image enclosure or
  media:thumbnail / media:content as the preview);
- weather: a JSON "current weather" document in the common OpenWeatherMap shape
  (`main.temp` in Celsius, `main.pressure` in hPa, `main.humidity`, `wind.speed`, `wind.deg`,
  `weather[0].icon`, `weather[0].description`, `name`);
- exchange: the central bank's daily XML (`<ValCurs><Valute><CharCode>/<Nominal>/<Value>`) or a
  JSON object `{"rates": {"USD": 92.5, ...}}` (the price of one unit in the main currency).
"""

from __future__ import annotations

import decimal
import json
import time

import requests
from django.conf import settings
from lxml import etree


class FeedFetchError(Exception):
    """A source could not be fetched or its body is not what the kind expects."""


_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def download(url: str) -> bytes:
    """The body of `url`, within the portal's timeouts and size cap."""
    cap = settings.SMARTY_PORTAL_FEED_MAX_BYTES
    deadline = time.monotonic() + settings.SMARTY_PORTAL_FEED_TOTAL_TIMEOUT
    timeouts = (settings.SMARTY_PORTAL_FEED_CONNECT_TIMEOUT, settings.SMARTY_PORTAL_FEED_READ_TIMEOUT)
    chunks: list[bytes] = []
    size = 0
    try:
        with requests.get(url, stream=True, timeout=timeouts, allow_redirects=True) as response:
            if response.status_code != 200:
                raise FeedFetchError(f"HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise FeedFetchError(f"{declared} bytes, more than the {cap} allowed")
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > cap:
                    raise FeedFetchError(f"larger than the {cap} bytes allowed")
                if time.monotonic() > deadline:
                    raise FeedFetchError(f"took longer than {settings.SMARTY_PORTAL_FEED_TOTAL_TIMEOUT}s")
                chunks.append(chunk)
    except requests.RequestException as exc:
        raise FeedFetchError(f"{exc.__class__.__name__}: {exc}") from exc
    return b"".join(chunks)


def parse_xml(body: bytes) -> etree._Element:
    """A document parsed safely; entity declarations are refused."""
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FeedFetchError(f"malformed XML: {exc}") from exc
    if root is None:
        raise FeedFetchError("empty XML document")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FeedFetchError("the document declares entities")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(elem: etree._Element, *names: str) -> str:
    for child in elem:
        if _local(child.tag) in names:
            return "".join(child.itertext()).strip()
    return ""


def _preview(elem: etree._Element) -> str:
    for child in elem:
        name = _local(child.tag)
        url = child.get("url") or child.get("href") or ""
        if name == "enclosure" and url and (child.get("type") or "image/").startswith("image/"):
            return url
        if name in ("thumbnail", "content") and url and (child.get("medium") in (None, "image")):
            return url
        if name == "link" and child.get("rel") == "enclosure" and (child.get("type") or "").startswith("image/"):
            return url
    return ""


def parse_rss(body: bytes) -> dict:
    root = parse_xml(body)
    items = [e for e in root.iter() if _local(e.tag) in ("item", "entry")]
    if not items and _local(root.tag) not in ("rss", "feed", "RDF"):
        raise FeedFetchError(f"not an RSS or Atom document (root <{_local(root.tag)}>)")
    entries = [
        {
            "title": _child_text(item, "title"),
            "description": _child_text(item, "description", "summary", "content"),
            "preview_url": _preview(item),
        }
        for item in items[: settings.SMARTY_PORTAL_RSS_MAX_ENTRIES]
    ]
    return {"entries": entries}


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FeedFetchError(f"weather: {name} is not a number")
    return float(value)


def parse_weather(body: bytes) -> dict:
    try:
        doc = json.loads(body)
        main, wind = doc["main"], doc.get("wind") or {}
        weather = (doc.get("weather") or [{}])[0]
        return {
            "current": {
                "icon": str(weather.get("icon", "")),
                "description": str(weather.get("description", "")),
                "temperature": round(_number(main["temp"], "temp")),
                # hPa -> mm of mercury
                "pressure": round(_number(main.get("pressure", 0), "pressure") * 0.750062),
                "wind_speed": round(_number(wind.get("speed", 0), "wind speed"), 1),
                "wind_deg": round(_number(wind.get("deg", 0), "wind direction")),
                "humidity": round(_number(main.get("humidity", 0), "humidity")),
            },
            "city": str(doc.get("name", "")),
        }
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise FeedFetchError(f"weather: unexpected document ({exc.__class__.__name__}: {exc})") from exc


def _rate(text: str) -> decimal.Decimal:
    value = decimal.Decimal(str(text).strip().replace(",", "."))
    if not value.is_finite() or value <= 0:
        raise decimal.InvalidOperation(text)
    return value


def parse_exchange(body: bytes) -> dict:
    """{"rates": {"USD": "92.5000", ...}}: the price of one unit, as text (money is Decimal)."""
    rates: dict[str, str] = {}
    try:
        if body.lstrip()[:1] in (b"{", b"["):
            doc = json.loads(body)
            for code, value in doc["rates"].items():
                rates[str(code).upper()] = str(_rate(value))
        else:
            root = parse_xml(body)
            for valute in root.iter("Valute"):
                code = _child_text(valute, "CharCode").upper()
                nominal = _rate(_child_text(valute, "Nominal") or "1")
                rates[code] = str((_rate(_child_text(valute, "Value")) / nominal).quantize(decimal.Decimal("0.0001")))
    except (ValueError, KeyError, TypeError, AttributeError, decimal.InvalidOperation) as exc:
        raise FeedFetchError(f"exchange: unexpected document ({exc.__class__.__name__})") from exc
    if not rates:
        raise FeedFetchError("exchange: no rates in the document")
    return {"rates": rates}


PARSERS = {"rss": parse_rss, "weather": parse_weather, "exchange": parse_exchange}


def fetch(kind: str, url: str) -> dict:
    """Download and parse a source of a kind; FeedFetchError on any failure."""
    return PARSERS[kind](download(url))
