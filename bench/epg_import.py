"""EPG import benchmark: programmes per second, peak memory, the parse-only floor, re-imports.

    python bench/epg_import.py --file path/to/guide.xml[.gz] [--repeat 3] [--json out.json]

Imports into the configured database (SMARTY_DATABASE_URL; run `manage.py migrate` first, or
pass --migrate). Each measurement runs in its own process, so the peak memory
(resource.getrusage ru_maxrss) belongs to that phase alone:

  floor      iterparse over the same file with the importer's parser options and the same
             decompression path, clearing elements as it goes: no Python work per programme,
             no database. The fastest any streaming importer can read the file.
  import     the first import of the file into an empty guide (every channel of the file has
             an EPG channel; they are created, untimed, before the first run)
  reparse    the same file again with the source's input hash forgotten: the file is parsed,
             every channel is found unchanged (content hash), nothing is written
  reimport   the unchanged file again: recognised by its hash before parsing
  parser     the source's parser over the file, every programme read into a ParsedProgramme
             (what the importer gets from a parser plugin), no database
  database   MySQL/MariaDB only: the INSERT statements of a first import, captured, sent
             again into the emptied guide back to back in one transaction: the server's own
             share of an import, with no Python work between the statements

Where the time of an import goes: at least the parser's, plus building, hashing and rendering
the rows; the server stores them meanwhile (the pipelined INSERTs overlap the parse). An import
cannot be faster than max(parser + rows, database).

Times are the best of --repeat runs (wall clock and CPU of the process; on a shared machine
the CPU time is the steadier figure). The ratio is import programmes/s over floor
programmes/s (the issue's target: >= 0.3), and reimport time over import time (target <= 0.1).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PREFIX = "bench: "


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
    os.environ.setdefault("SMARTY_DEBUG", "0")  # DEBUG keeps every query in memory
    import django

    django.setup()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _source(path: Path):
    from epg.models import EpgSource

    source, _ = EpgSource.objects.update_or_create(
        name=(SOURCE_PREFIX + path.name)[:128],
        defaults={"parser": "xmltv_from_file", "url": str(path), "enabled": False, "options": {}},
    )
    return source


def phase_floor(path: Path) -> dict:
    from lxml import etree

    from epg import fetch
    from epg.parsers._xmltv import PARSE_OPTIONS

    baseline = _peak_mib()
    started, cpu = time.perf_counter(), _cpu()
    raw = fetch.open_local(path)
    programmes = 0
    with fetch.xml_stream(raw) as stream:
        for _event, elem in etree.iterparse(stream, **PARSE_OPTIONS):
            if elem.tag == "programme":
                programmes += 1
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            while elem.getprevious() is not None:
                del parent[0]
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu() - cpu,
        "programmes": programmes,
        "peak_mib": _peak_mib(),
        "baseline_mib": baseline,
    }


def phase_setup(path: Path) -> dict:
    from epg.models import EpgChannel
    from epg.services import epg_channels_import

    source = _source(path)
    epg_channels_import(source=source, force_import=True, parser_handling=True, download_icons=False)
    return {"channels": EpgChannel.objects.filter(source=source).count()}


def _clean(source) -> None:
    from epg.importer import delete_programme_rows
    from epg.models import EpgChannel, EpgSource, Program

    delete_programme_rows(Program.objects.filter(epg_channel__source=source))
    EpgChannel.objects.filter(source=source).update(content_hash="")
    EpgSource.objects.filter(pk=source.pk).update(content_hash="")


def _timed_import(source) -> dict:
    from django.db import connection

    from epg.services import epg_import

    baseline = _peak_mib()
    started, cpu = time.perf_counter(), _cpu()
    summary = epg_import(sources=[source])
    result = summary.results[0]
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu() - cpu,
        "programmes": result.programmes_imported,
        "channels_imported": result.channels_imported,
        "channels_unchanged": result.channels_unchanged,
        "unchanged_input": result.unchanged_input,
        "status": result.status(),
        "peak_mib": _peak_mib(),
        "baseline_mib": baseline,
        "database": connection.vendor,
    }


def phase_import(path: Path) -> dict:
    source = _source(path)
    _clean(source)
    source.refresh_from_db()
    return _timed_import(source)


def phase_reparse(path: Path) -> dict:
    from epg.models import EpgSource

    source = _source(path)
    EpgSource.objects.filter(pk=source.pk).update(content_hash="")
    source.refresh_from_db()
    return _timed_import(source)


def phase_reimport(path: Path) -> dict:
    source = _source(path)
    return _timed_import(source)


def phase_parser(path: Path) -> dict:
    from epg.models import EpgChannel
    from epg.parsers import get_parser

    source = _source(path)
    parser = get_parser(source.parser)(source)
    names = {channel.ext_id: channel.name for channel in EpgChannel.objects.filter(source=source, enabled=True)}
    baseline = _peak_mib()
    started, cpu = time.perf_counter(), _cpu()
    programmes = 0
    gc.disable()  # as the importer does
    for feed in parser.feeds(names):
        with feed:
            for _item in parser.programmes(feed, names):
                programmes += 1
    return {
        "seconds": time.perf_counter() - started,
        "cpu": _cpu() - cpu,
        "programmes": programmes,
        "peak_mib": _peak_mib(),
        "baseline_mib": baseline,
    }


def phase_database(path: Path) -> dict:
    from django.db import connection, transaction

    from epg.importer import MysqlPipeline

    if connection.vendor != "mysql":
        return {"seconds": None, "cpu": None, "programmes": 0, "peak_mib": _peak_mib(), "baseline_mib": _peak_mib()}
    captured: list[bytes] = []
    original = MysqlPipeline.send

    def capture(self, statements):
        captured.extend(statements)
        return original(self, statements)

    MysqlPipeline.send = capture
    source = _source(path)
    _clean(source)
    source.refresh_from_db()
    _timed_import(source)
    MysqlPipeline.send = original
    _clean(source)
    raw = connection.connection
    baseline = _peak_mib()
    started, cpu = time.perf_counter(), _cpu()
    with transaction.atomic():
        for statement in captured:
            raw.query(statement)
    seconds = time.perf_counter() - started
    _clean(source)
    return {
        "seconds": seconds,
        "cpu": _cpu() - cpu,
        "programmes": 0,
        "statements": len(captured),
        "bytes": sum(len(statement) for statement in captured),
        "peak_mib": _peak_mib(),
        "baseline_mib": baseline,
    }


PHASES = {
    "floor": phase_floor,
    "setup": phase_setup,
    "import": phase_import,
    "reparse": phase_reparse,
    "reimport": phase_reimport,
    "parser": phase_parser,
    "database": phase_database,
}


def run_phase(name: str, path: Path) -> dict:
    """One phase in a fresh process (its own peak memory)."""
    completed = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--file", str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _best(runs: list[dict], key: str = "cpu") -> dict:
    return min(runs, key=lambda run: run[key] if run[key] is not None else float("inf"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", required=True, type=Path, help="the XMLTV file (plain, .gz or .zip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--migrate", action="store_true", help="run migrations first")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.file.resolve()
    if args.phase:
        _setup_django()
        print(json.dumps(PHASES[args.phase](path)))
        return
    if args.migrate:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True)
    setup = run_phase("setup", path)
    order = ("floor", "parser", "database", "import", "reparse", "reimport")
    runs: dict[str, list[dict]] = {name: [] for name in order}
    for _ in range(args.repeat):
        for name in runs:
            runs[name].append(run_phase(name, path))
    best = {name: _best(items) for name, items in runs.items()}
    best_wall = {name: _best(items, "seconds") for name, items in runs.items()}
    programmes = best["import"]["programmes"]
    report = {
        "file": path.name,
        "size_bytes": path.stat().st_size,
        "database": best["import"]["database"],
        "channels": setup["channels"],
        "programmes": programmes,
        "runs": runs,
    }
    rate = {name: programmes / best[name]["cpu"] for name in ("floor", "import")}
    rate_wall = {name: programmes / best_wall[name]["seconds"] for name in ("floor", "import")}
    report["ratio_cpu"] = rate["import"] / rate["floor"]
    report["ratio_wall"] = rate_wall["import"] / rate_wall["floor"]
    report["reimport_share_cpu"] = best["reimport"]["cpu"] / best["import"]["cpu"]
    report["reimport_share_wall"] = best_wall["reimport"]["seconds"] / best_wall["import"]["seconds"]
    print(f"EPG import benchmark: {path.name} ({path.stat().st_size / 1e6:.1f} MB), database {report['database']}")
    print(f"{setup['channels']} channels, {programmes} programmes; best of {args.repeat} runs")
    print()
    print("| phase | wall s | CPU s | programmes/s (wall) | programmes/s (CPU) | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    rated = ("floor", "parser", "import")
    for name in runs:
        wall, cpu = best_wall[name]["seconds"], best[name]["cpu"]
        if wall is None:
            continue
        per_wall = f"{programmes / wall:,.0f}" if name in rated else "-"
        per_cpu = f"{programmes / cpu:,.0f}" if name in rated and cpu else "-"
        peak = max(run["peak_mib"] for run in runs[name])
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {per_wall} | {per_cpu} | {peak:.0f} |")
    print()
    print(f"import / floor (programmes per second): {report['ratio_wall']:.2f} wall, {report['ratio_cpu']:.2f} CPU")
    print(
        f"reimport of the unchanged file / first import: {report['reimport_share_wall']:.3f} wall, "
        f"{report['reimport_share_cpu']:.3f} CPU"
    )
    database = best_wall["database"]["seconds"]
    if database is not None:
        report["database_share"] = database / best_wall["import"]["seconds"]
        print(
            f"the database alone (the import's {best_wall['database']['statements']} INSERTs, "
            f"{best_wall['database']['bytes'] / 1e6:.1f} MB, sent back to back): {database:.3f} s = "
            f"{database / best_wall['floor']['seconds']:.1f}x the floor's time, "
            f"{report['database_share']:.2f} of the import's"
        )
    print(f"process baseline after start-up: {best['import']['baseline_mib']:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
