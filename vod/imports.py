"""Bulk import of videos from a CSV or JSON file (the admin's "Import videos" page).

The file is parsed and checked as a whole first (format, size, row count); then each row is
checked on its own and written through `services.video_create` (a new video with its files,
seasons and episodes in one transaction) or `services.video_modify` (an `ext_id` the
operator already has: its attributes and lists). A bad row is refused with its reason and the
others still land. The run is a Celery task; its progress and report live in the cache under
the operator's id and the import's id (`video_import_get`), kept SMARTY_VOD_IMPORT_KEEP
seconds. Columns: COLUMNS below and docs/vod.md."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from . import services
from .models import Video

LANGS = range(1, 6)
RUN_LOCK_SECONDS = 3600  # a run of the largest file allowed takes minutes; a dead worker's lock expires


def _langs(name: str) -> list[str]:
    return [name, *(f"{name}_lang{i}" for i in LANGS)]


TEXTS = [
    *_langs("name")[1:],
    "name_orig",
    *_langs("description"),
    *_langs("short_description"),
    *_langs("countries"),
    *_langs("director"),
    *_langs("language"),
    "genres_kinopoisk",
    "ext_id",
]
NUMBERS = {"year": "year", "kinopoisk_id": "kinopoisk_id", "duration": "duration", "rating": "age_rating"}
RATINGS = ("kinopoisk_rating", "imdb_rating")
FLAGS = ("parent_control", "is_announcement", "is_season")
FKS = {"video_provider": "provider_id", "price_category": "price_category_id"}
LISTS = {
    "genres": "genre_ids",
    "tariffs": "tariff_ids",
    "actors_set": "actor_ids",
    "stream_services": "stream_service_ids",
}
IMAGES = {"poster_url": "poster", "screenshot_url": "screenshot"}
FILE_KEYS = {"filename", "name", "quality", "duration", "is_trailer", "ext_id"}
EPISODE_KEYS = {"name", "description", "duration", "ext_id", "number", "is_free", "files"}
SEASON_KEYS = {"name", "number", "ext_id", "episodes"}

# The documented columns (CSV header / JSON keys), in the sample file's order.
COLUMNS = ["name", *TEXTS, *NUMBERS, *RATINGS, *FLAGS, *FKS, *LISTS, *IMAGES, "files", "seasons", "episodes"]
SAMPLE_ROWS = [
    {
        "ext_id": "film-001",
        "name": "The Lighthouse Keeper",
        "name_orig": "The Lighthouse Keeper",
        "description": "A keeper, a storm and a ship that should not be there.",
        "year": 2021,
        "countries": "Norway",
        "rating": 12,
        "imdb_rating": 7.1,
        "genres": [],
        "tariffs": [],
        "poster_url": "https://images.example.com/lighthouse.jpg",
        "files": [{"filename": "https://cdn.example.com/lighthouse/index.m3u8", "quality": 3}],
    },
    {
        "ext_id": "series-001",
        "name": "Harbour Town",
        "is_season": 1,
        "year": 2022,
        "seasons": [
            {
                "name": "Season 1",
                "episodes": [
                    {"name": "Arrival", "files": [{"filename": "https://cdn.example.com/harbour/s1e1.m3u8"}]},
                    {"name": "The Fog", "files": [{"filename": "https://cdn.example.com/harbour/s1e2.m3u8"}]},
                ],
            }
        ],
    },
]


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (the reason in the message)."""


class RowError(ValueError):
    """One row cannot be imported (the reason in the message)."""


# --- reading the file -----------------------------------------------------------------------


def parse_file(*, name: str, data: bytes) -> list[dict]:
    """The rows of a CSV (header line, comma or semicolon separated, UTF-8) or JSON file (a
    list of objects, or {"videos": [...]}). ImportFileError for anything else."""
    if len(data) > settings.SMARTY_VOD_IMPORT_MAX_BYTES:
        raise ImportFileError(f"the file is larger than {settings.SMARTY_VOD_IMPORT_MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("the file is not UTF-8 text") from exc
    stripped = text.lstrip()
    if name.lower().endswith(".json") or stripped.startswith(("[", "{")):
        rows = _json_rows(text)
    else:
        rows = _csv_rows(text)
    if not rows:
        raise ImportFileError("the file has no rows")
    if len(rows) > settings.SMARTY_VOD_IMPORT_MAX_ROWS:
        raise ImportFileError(f"more than {settings.SMARTY_VOD_IMPORT_MAX_ROWS} rows")
    return rows


def _json_rows(text: str) -> list[dict]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ImportFileError(f"not valid JSON: {exc}") from exc
    if isinstance(value, dict) and isinstance(value.get("videos"), list):
        value = value["videos"]
    if not isinstance(value, list):
        raise ImportFileError('JSON must be a list of videos or {"videos": [...]}')
    return [row if isinstance(row, dict) else {"__not_an_object__": row} for row in value]


def _csv_rows(text: str) -> list[dict]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or "name" not in [f.strip() for f in reader.fieldnames]:
        raise ImportFileError("the CSV file needs a header line with at least a `name` column")
    unknown = sorted({f.strip() for f in reader.fieldnames} - set(COLUMNS) - {""})
    if unknown:
        raise ImportFileError(f"unknown columns: {', '.join(unknown)}")
    rows = []
    for raw in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if any(row.values()):
            rows.append({k: v for k, v in row.items() if v != ""})
    return rows


# --- checking one row -----------------------------------------------------------------------


def _number(row: Mapping, key: str, *, real: bool = False) -> float | int:
    value = row[key]
    try:
        number = float(value) if real else int(str(value).strip())
    except (TypeError, ValueError):
        raise RowError(f"{key}: {'a number' if real else 'a whole number'} expected, got {value!r}") from None
    if number < 0:
        raise RowError(f"{key}: 0 or more")
    return number


def _flag(row: Mapping, key: str) -> bool:
    value = str(row[key]).strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no", ""):
        return False
    raise RowError(f"{key}: 0 or 1 expected, got {row[key]!r}")


def _ids(row: Mapping, key: str) -> list[int]:
    value = row[key]
    items = value if isinstance(value, list) else [p for p in str(value).replace(";", ",").split(",") if p.strip()]
    try:
        return [int(str(item).strip()) for item in items]
    except ValueError:
        raise RowError(f"{key}: ids expected, got {value!r}") from None


def _url(row: Mapping, key: str) -> str:
    value = str(row[key]).strip()
    if not value.lower().startswith(("http://", "https://")):
        raise RowError(f"{key}: an http(s) URL expected")
    return value


def _files(value: Any, where: str, default_name: str) -> list[dict]:
    """File attrs; a file without a name is named after its video or episode."""
    if isinstance(value, str):  # CSV: file URLs separated by "|"
        value = [{"filename": part.strip()} for part in value.split("|") if part.strip()]
    if not isinstance(value, list):
        raise RowError(f"{where}: a list of files expected")
    files = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict) or not str(item.get("filename", "")).strip():
            raise RowError(f"{where} #{n}: an object with a filename expected")
        unknown = set(item) - FILE_KEYS
        if unknown:
            raise RowError(f"{where} #{n}: unknown keys {', '.join(sorted(unknown))}")
        attrs = {k: str(v).strip() for k, v in item.items() if k in ("filename", "name", "ext_id")}
        attrs["name"] = attrs.get("name") or default_name
        for key in ("quality", "duration"):
            if key in item:
                attrs[key] = int(_number(item, key))
        if "is_trailer" in item:
            attrs["is_trailer"] = _flag(item, "is_trailer")
        files.append(attrs)
    return files


def _episodes(value: Any, where: str) -> list[dict]:
    if not isinstance(value, list):
        raise RowError(f"{where}: a list of episodes expected (JSON files only)")
    episodes = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise RowError(f"{where} #{n}: an object with a name expected")
        unknown = set(item) - EPISODE_KEYS
        if unknown:
            raise RowError(f"{where} #{n}: unknown keys {', '.join(sorted(unknown))}")
        attrs = {k: item[k] for k in ("name", "description", "ext_id") if k in item}
        for key in ("duration", "number"):
            if key in item:
                attrs[key] = int(_number(item, key))
        if "is_free" in item:
            attrs["is_free"] = _flag(item, "is_free")
        attrs["files"] = _files(item.get("files", []), f"{where} #{n} files", str(item["name"]).strip())
        episodes.append(attrs)
    return episodes


def _seasons(value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise RowError("seasons: a list of seasons expected (JSON files only)")
    seasons = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise RowError(f"seasons #{n}: an object expected")
        unknown = set(item) - SEASON_KEYS
        if unknown:
            raise RowError(f"seasons #{n}: unknown keys {', '.join(sorted(unknown))}")
        attrs = {k: item[k] for k in ("name", "ext_id") if k in item}
        if "number" in item:
            attrs["number"] = int(_number(item, "number"))
        attrs["episodes"] = _episodes(item.get("episodes", []), f"seasons #{n} episodes")
        seasons.append(attrs)
    return seasons


def row_arguments(row: Mapping[str, Any]) -> dict:
    """The keyword arguments of services.video_create for one row; RowError when the row is
    not a video we can import."""
    if "__not_an_object__" in row:
        raise RowError("not an object")
    unknown = sorted(set(row) - set(COLUMNS))
    if unknown:
        raise RowError(f"unknown fields: {', '.join(unknown)}")
    name = str(row.get("name", "") or "").strip()
    if not name:
        raise RowError("name: required")
    attrs: dict[str, Any] = {}
    for key in TEXTS:
        if key in row and row[key] is not None:
            if not isinstance(row[key], (str, int, float)):
                raise RowError(f"{key}: text expected")
            attrs[key] = str(row[key]).strip()
    for key, attr in NUMBERS.items():
        if key in row:
            attrs[attr] = int(_number(row, key))
    for key in RATINGS:
        if key in row:
            attrs[key] = float(_number(row, key, real=True))
    for key in FLAGS:
        if key in row:
            attrs[key] = _flag(row, key)
    for key, attr in FKS.items():
        if key in row:
            attrs[attr] = int(_number(row, key))
    for key, attr in IMAGES.items():
        if key in row:
            attrs[attr] = _url(row, key)
    arguments: dict[str, Any] = {"name": name, "attrs": attrs}
    for key, argument in LISTS.items():
        if key in row:
            arguments[argument] = _ids(row, key)
    if "files" in row:
        arguments["files"] = _files(row["files"], "files", name)
    if "seasons" in row:
        arguments["seasons"] = _seasons(row["seasons"])
    if "episodes" in row:
        arguments["episodes"] = _episodes(row["episodes"], "episodes")
    return arguments


def _reason(exc: Exception) -> str:
    if isinstance(exc, services.NotFoundError):
        return f"{exc.field}: unknown id(s) {', '.join(str(i) for i in sorted(exc.missing, key=str))}"
    if isinstance(exc, services.ExtIdTakenError):
        return "ext_id: already used by another video"
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc) or type(exc).__name__


# --- the run and its progress ---------------------------------------------------------------


def _key(client_id: int, import_id: str, part: str) -> str:
    return f"vod_import:{int(client_id)}:{import_id}:{part}"


def video_import_get(*, client_id: int, import_id: str) -> dict | None:
    """The progress and report of an import of this operator (None: unknown or expired)."""
    if not import_id.isalnum():
        return None
    return cache.get(_key(client_id, import_id, "state"))


def _store(client_id: int, state: dict) -> None:
    cache.set(_key(client_id, state["id"], "state"), state, timeout=settings.SMARTY_VOD_IMPORT_KEEP)


def video_import_start(*, client: Any, name: str, rows: list[dict]) -> str:
    """Keep the rows and the initial progress; the import's id (vod.tasks.import_videos runs it)."""
    client_id = int(getattr(client, "pk", client))
    import_id = uuid.uuid4().hex
    cache.set(_key(client_id, import_id, "rows"), rows, timeout=settings.SMARTY_VOD_IMPORT_KEEP)
    state = {"id": import_id, "file": name, "status": "queued", "total": len(rows), "done": 0,
             "created": [], "updated": [], "refused": []}  # fmt: skip
    _store(client_id, state)
    return import_id


def video_import_run(*, client_id: int, import_id: str) -> dict | None:
    """Import the kept rows one by one, storing the progress after each; the final state.
    Safe to retry: a finished import is not repeated, a run cut short goes on from the last
    row stored, and a second run while one is going does nothing (a cache lock)."""
    lock = _key(client_id, import_id, "lock")
    if not cache.add(lock, 1, timeout=RUN_LOCK_SECONDS):
        return video_import_get(client_id=client_id, import_id=import_id)
    try:
        return _run(client_id, import_id)
    finally:
        cache.delete(lock)


def _run(client_id: int, import_id: str) -> dict | None:
    state = video_import_get(client_id=client_id, import_id=import_id)
    rows = cache.get(_key(client_id, import_id, "rows"))
    if state is None or rows is None or state["status"] == "done":
        return state
    state["status"] = "running"
    _store(client_id, state)
    seen = {row["ext_id"] for row in state["created"] + state["updated"] if row["ext_id"]}
    for number, row in enumerate(rows[state["done"] :], start=state["done"] + 1):
        label = {"row": number, "name": str(row.get("name", ""))[:255], "ext_id": str(row.get("ext_id", ""))[:128]}
        try:
            result = _import_row(client_id, row, seen)
        except (RowError, services.VodError, ValidationError, ValueError, TypeError) as exc:
            state["refused"].append({**label, "reason": _reason(exc)})
        else:
            state[result[0]].append({**label, "id": result[1]})
        state["done"] = number
        _store(client_id, state)
    state["status"] = "done"
    _store(client_id, state)
    cache.delete(_key(client_id, import_id, "rows"))
    return state


def _import_row(client_id: int, row: Mapping[str, Any], seen: set[str]) -> tuple[str, int]:
    arguments = row_arguments(row)
    ext_id = arguments["attrs"].get("ext_id", "")
    if ext_id:
        if ext_id in seen:
            raise RowError("ext_id: repeated in the file")
        seen.add(ext_id)
        existing = Video.objects.filter(client_id=client_id, ext_id=ext_id).first()
        if existing is not None:
            if any(arguments.get(k) for k in ("files", "seasons", "episodes")):
                raise RowError(
                    "ext_id: the video exists; files, seasons and episodes are only imported with new videos"
                )
            lists = {k: v for k, v in arguments.items() if k.endswith("_ids")}
            services.video_modify(video=existing, attrs={"name": arguments["name"], **arguments["attrs"]}, **lists)
            return "updated", existing.pk
    video = services.video_create(client=client_id, **arguments)
    return "created", video.pk
