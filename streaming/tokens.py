"""Self-verifying stream tokens (docs/streaming.md, "Stream tokens").

A token carries what its check needs: the operator, account, streaming service, content, the
moment it must be first used by, the viewer's IP when the service binds tokens to IP, and
keyed digests of the stream names it opens; an HMAC over all of it (a key derived from
SECRET_KEY) makes it unforgeable. Issuing one writes nothing; the one-use claim lives in
the cache with an expiry (streaming/services.py).

Layout (then URL-safe base64 without padding): version, client id, account id, service id,
first-use deadline (Unix seconds), 4 random bytes, kind, content id, IP, name digests
(each length-prefixed), then the first 16 bytes of the HMAC-SHA256 over the rest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import secrets
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from django.conf import settings

VERSION = 1
_HEAD = struct.Struct(">BIQII4s")
_MAC = 16
_NAME = 6
MAX_TOKEN_LENGTH = 512
MAX_PATH_SEGMENTS = 32


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    client_id: int
    account_id: int
    service_id: int
    first_use_by: int  # Unix seconds
    kind: str
    content_id: str
    ip: str  # "" unless the service binds tokens to IP
    names: tuple[bytes, ...]  # digests of the stream names; empty: any content


@cache
def _key(secret: str) -> bytes:
    return hashlib.blake2b(secret.encode(), person=b"smarty-stream-t", digest_size=32).digest()


def _mac(data: bytes) -> bytes:
    return hmac.new(_key(settings.SECRET_KEY), data, hashlib.sha256).digest()[:_MAC]


def name_digest(name: str) -> bytes:
    """A stream name as the token carries it (keyed, so a token does not list names)."""
    return hmac.new(_key(settings.SECRET_KEY), b"name:" + name.encode(), hashlib.sha256).digest()[:_NAME]


def _short(value: bytes) -> bytes:
    if len(value) > 255:
        raise ValueError("token field too long")
    return bytes([len(value)]) + value


def _packed_ip(ip: str) -> bytes:
    return ipaddress.ip_address(ip).packed if ip else b""


def token_encode(
    *,
    client_id: int,
    account_id: int,
    service_id: int,
    first_use_by: int,
    kind: str,
    content_id: str,
    ip: str = "",
    names: Iterable[str] = (),
) -> str:
    """A new token (4 random bytes: two tokens for the same viewer and content differ)."""
    body = _HEAD.pack(VERSION, client_id, account_id, service_id, first_use_by, secrets.token_bytes(4))
    digests = [name_digest(n.strip("/")) for n in names if n]
    body += _short(kind.encode()) + _short(content_id.encode()) + _short(_packed_ip(ip))
    body += bytes([len(digests)]) + b"".join(digests)
    raw = body + _mac(body)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token_decode(token: str) -> TokenClaims | None:
    """The claims of a token made here and unaltered, else None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) < _HEAD.size + 4 + _MAC:
        return None
    body, mac = raw[:-_MAC], raw[-_MAC:]
    if not hmac.compare_digest(mac, _mac(body)):
        return None
    try:
        version, client_id, account_id, service_id, first_use_by, _nonce = _HEAD.unpack_from(body)
        pos = _HEAD.size
        fields = []
        for _ in range(3):
            size = body[pos]
            fields.append(body[pos + 1 : pos + 1 + size])
            pos += 1 + size
        count = body[pos]
        names = tuple(body[pos + 1 + i * _NAME : pos + 1 + (i + 1) * _NAME] for i in range(count))
        ip = str(ipaddress.ip_address(fields[2])) if fields[2] else ""
        kind, content_id = fields[0].decode(), fields[1].decode()
    except (IndexError, ValueError, UnicodeDecodeError):
        return None
    if version != VERSION:
        return None
    return TokenClaims(client_id, account_id, service_id, first_use_by, kind, content_id, ip, names)


def names_match(digests: Sequence[bytes], *, name: str, path: str) -> bool:
    """Whether `name` (Flussonic) or `path` (Astra's X-Real-Path) names one of the token's
    streams: the name itself, a run of whole path segments (".../<name>/..."), or a segment
    without its extension ("<name>.m3u8")."""
    wanted = set(digests)
    if name and name_digest(name.strip("/")) in wanted:
        return True
    if not path:
        return False
    segments = path.split("?", 1)[0].strip("/").split("/")[:MAX_PATH_SEGMENTS]
    candidates = set()
    for start in range(len(segments)):
        for end in range(start + 1, len(segments) + 1):
            candidates.add("/".join(segments[start:end]))
    candidates.update(s.rsplit(".", 1)[0] for s in segments if s)
    return any(name_digest(c) in wanted for c in candidates if c)
