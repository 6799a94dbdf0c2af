"""Getting guide files and icons safely: downloads with timeouts and a size cap, local files,
and transparent gzip / zip decompression with a cap on the decompressed size (gzip bombs).

A raw input is kept on disk (a temporary file for downloads) and hashed once, so an unchanged
input can be recognised before it is parsed."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .parsers.base import FeedError, LimitExceededError

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class RawInput:
    """A fetched input on disk: its path, a hash of its bytes, size, and whether we own it."""

    path: Path
    digest: str
    size: int
    temporary: bool = False

    def close(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in ("http", "https")


def fetch_url(url: str, *, max_bytes: int | None = None) -> RawInput:
    """Download `url` into a temporary file. Raises FeedError on HTTP errors, timeouts (connect,
    read, and the whole download) and when the body is larger than the cap."""
    if not is_url(url):
        raise FeedError(f"not an http(s) URL: {url!r}")
    cap = settings.SMARTY_EPG_MAX_DOWNLOAD_BYTES if max_bytes is None else max_bytes
    handle = tempfile.NamedTemporaryFile(prefix="smarty-epg-", suffix=".download", delete=False)
    path = Path(handle.name)
    try:
        with handle:
            digest, size = _download(url, handle, cap)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return RawInput(path=path, digest=digest, size=size, temporary=True)


def download_bytes(url: str, *, max_bytes: int) -> bytes:
    """A small download (an icon) into memory, with the same limits."""
    buffer = io.BytesIO()
    _download(url, buffer, max_bytes)
    return buffer.getvalue()


def _download(url: str, out: BinaryIO, cap: int) -> tuple[str, int]:
    deadline = time.monotonic() + settings.SMARTY_EPG_DOWNLOAD_TIMEOUT
    timeouts = (settings.SMARTY_EPG_CONNECT_TIMEOUT, settings.SMARTY_EPG_READ_TIMEOUT)
    headers = {"User-Agent": settings.SMARTY_EPG_USER_AGENT}
    sha = _hasher()
    size = 0
    try:
        with requests.get(url, stream=True, timeout=timeouts, headers=headers, allow_redirects=True) as response:
            if response.status_code != 200:
                raise FeedError(f"HTTP {response.status_code} from {url}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > cap:
                raise LimitExceededError(f"{url} is {declared} bytes, more than the {cap} bytes allowed")
            for chunk in response.iter_content(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise LimitExceededError(f"{url} is larger than the {cap} bytes allowed")
                if time.monotonic() > deadline:
                    raise FeedError(f"downloading {url} took longer than {settings.SMARTY_EPG_DOWNLOAD_TIMEOUT}s")
                sha.update(chunk)
                out.write(chunk)
    except requests.RequestException as exc:
        raise FeedError(f"cannot download {url}: {exc.__class__.__name__}: {exc}") from exc
    return sha.hexdigest(), size


def open_local(path: str | os.PathLike) -> RawInput:
    """A file on the server. Relative paths are relative to the project directory."""
    resolved = Path(path)
    if not resolved.is_absolute():
        resolved = Path(settings.BASE_DIR) / resolved
    if not resolved.is_file():
        raise FeedError(f"no such file: {path}")
    cap = settings.SMARTY_EPG_MAX_DOWNLOAD_BYTES
    sha = _hasher()
    size = 0
    with open(resolved, "rb") as handle:
        while chunk := handle.read(1 << 20):
            size += len(chunk)
            if size > cap:
                raise LimitExceededError(f"{path} is larger than the {cap} bytes allowed")
            sha.update(chunk)
    return RawInput(path=resolved, digest=sha.hexdigest(), size=size)


def open_location(location: str) -> RawInput:
    return fetch_url(location) if is_url(location) else open_local(location)


def _hasher():
    """The input digest only detects change, so the fastest strong hash available here
    (BLAKE2b is about three times cheaper than SHA-256 without SHA extensions)."""
    return hashlib.blake2b(digest_size=32)


# The expansion ratio is judged only past this much output: a small file may compress well.
_RATIO_FLOOR = 16 * 1024 * 1024


def _ratio_exceeded(expanded: int, compressed: int) -> bool:
    ratio = settings.SMARTY_EPG_MAX_EXPANSION_RATIO
    return ratio > 0 and expanded > _RATIO_FLOOR and expanded > ratio * max(compressed, 1)


class CappedReader(io.RawIOBase):
    """Reads from a (decompressing) stream and fails once more than `cap` bytes came out, or
    (given the compressed file) once the output outgrows the input by more than
    SMARTY_EPG_MAX_EXPANSION_RATIO."""

    def __init__(self, inner: BinaryIO, cap: int, label: str, compressed: BinaryIO | None = None) -> None:
        super().__init__()
        self.inner = inner
        self.cap = cap
        self.label = label
        self.count = 0
        self.compressed = compressed

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = _CHUNK
        try:
            data = self.inner.read(size)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise FeedError(f"{self.label}: damaged compressed data ({exc})") from exc
        self.count += len(data)
        if self.count > self.cap:
            raise LimitExceededError(f"{self.label} expands to more than the {self.cap} bytes allowed")
        if self.compressed is not None and _ratio_exceeded(self.count, self.compressed.tell()):
            raise LimitExceededError(
                f"{self.label} expands more than {settings.SMARTY_EPG_MAX_EXPANSION_RATIO} times (a compression bomb)"
            )
        return data

    def readinto(self, buffer: bytearray) -> int:  # pragma: no cover - lxml calls read()
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def xml_stream(raw: RawInput, *, label: str = "") -> Iterator[BinaryIO]:
    """The XML bytes of a raw input: plain, gzip or zip (detected by content, not by name),
    capped at SMARTY_EPG_MAX_XML_BYTES once decompressed."""
    cap = settings.SMARTY_EPG_MAX_XML_BYTES
    label = label or raw.path.name
    with ExitStack() as stack:
        handle = stack.enter_context(open(raw.path, "rb"))
        magic = handle.read(4)
        handle.seek(0)
        compressed = None
        if magic.startswith(_GZIP_MAGIC):
            inner: BinaryIO = stack.enter_context(gzip.GzipFile(fileobj=handle, mode="rb"))
            compressed = handle
        elif magic == _ZIP_MAGIC:
            inner = stack.enter_context(_zip_member(handle, cap, label))
        else:
            inner = handle
        yield CappedReader(inner, cap, label, compressed)


@contextmanager
def _zip_member(handle: BinaryIO, cap: int, label: str) -> Iterator[BinaryIO]:
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile as exc:
        raise FeedError(f"{label}: not a valid zip archive ({exc})") from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        xml_members = [m for m in members if m.filename.lower().endswith(".xml")] or members
        if not xml_members:
            raise FeedError(f"{label}: the zip archive is empty")
        member = xml_members[0]
        if member.file_size > cap:
            raise LimitExceededError(f"{label}: {member.filename} expands to more than the {cap} bytes allowed")
        if _ratio_exceeded(member.file_size, member.compress_size):
            raise LimitExceededError(
                f"{label}: {member.filename} expands more than {settings.SMARTY_EPG_MAX_EXPANSION_RATIO} times "
                "(a compression bomb)"
            )
        with archive.open(member) as stream:
            yield stream
