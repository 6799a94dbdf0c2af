"""Gettext catalogues without the gettext tools: read a .po file and write the .mo file
Python's gettext (and so Django) loads. Used by `compile_translations`, so a machine without
`msgfmt` still builds the Russian interface from locale/ru/LC_MESSAGES/django.po."""

from __future__ import annotations

import ast
import struct
from dataclasses import dataclass, field

MO_MAGIC = 0x950412DE


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def key(self) -> str:
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}\x04{key}"

    def value(self) -> str:
        return "\0".join(self.msgstr[i] for i in sorted(self.msgstr))


def _unquote(text: str) -> str:
    """The value of one quoted .po string ("..." with C escapes)."""
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a quoted string: {text!r}")
    return ast.literal_eval(text)


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file; obsolete (#~) entries are dropped."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None
    started = False

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if started and target is not None and target[0] == "msgstr":
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and started and target is not None and target[0] == "msgstr":
            finish()
        if keyword == "msgctxt":
            entry.msgctxt, target, started = _unquote(rest), ("msgctxt", None), True
        elif keyword == "msgid":
            entry.msgid, target, started = _unquote(rest), ("msgid", None), True
        elif keyword == "msgid_plural":
            entry.msgid_plural, target = _unquote(rest), ("msgid_plural", None)
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif line.startswith('"') and target is not None:
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
        else:
            raise ValueError(f"cannot parse .po line: {raw!r}")
    finish()
    return entries


def compile_mo(entries: list[Entry]) -> bytes:
    """A GNU .mo file of the translated, non-fuzzy entries (and the header), keys sorted."""
    catalog: dict[bytes, bytes] = {}
    for entry in entries:
        is_header = entry.msgid == "" and entry.msgctxt is None
        if not is_header and ("fuzzy" in entry.flags or not entry.translated):
            continue
        catalog[entry.key().encode()] = entry.value().encode()
    keys = sorted(catalog)
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(catalog[key])))
        ids += key + b"\0"
        strs += catalog[key] + b"\0"
    count = len(keys)
    key_table = 7 * 4
    value_table = key_table + count * 8
    ids_start = value_table + count * 8
    strs_start = ids_start + len(ids)
    key_entries = []
    value_entries = []
    for id_offset, id_len, str_offset, str_len in offsets:
        key_entries += [id_len, ids_start + id_offset]
        value_entries += [str_len, strs_start + str_offset]
    header = struct.pack("Iiiiiii", MO_MAGIC, 0, count, key_table, value_table, 0, 0)
    tables = struct.pack(f"{len(key_entries)}i", *key_entries) + struct.pack(f"{len(value_entries)}i", *value_entries)
    return header + tables + ids + strs
