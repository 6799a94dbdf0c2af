"""The benchmark report (bench/run.py): locust's CSV in, the Markdown table and targets out.
No server and no load here; the run itself is `make bench`."""

from __future__ import annotations

import pytest

from bench import run

STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def write_phase(tmp_path, name: str, rows: list[str], failures: list[str] = ()) -> object:
    prefix = tmp_path / name
    (tmp_path / f"{name}_stats.csv").write_text("\n".join([STATS_HEADER, *rows]) + "\n")
    (tmp_path / f"{name}_failures.csv").write_text("\n".join(["Method,Name,Error,Occurrences", *failures]) + "\n")
    return prefix


def phase(tmp_path, name: str, rows: list[str], failures: list[str] = ()) -> dict:
    result = run.read_locust_csv(write_phase(tmp_path, name, rows, failures))
    result.update(
        {
            "phase": name,
            "title": run.PHASE_TITLES[name],
            "users": 10,
            "duration_s": 10,
            "cpu_cores": {"app workers": 1.5, "database": 0.2, "redis": 0.05, "load tool": 0.3},
            "memory_after_mib": {"101": 70.0},
            "memory_series": [],
        }
    )
    return result


def test_locust_rows_become_per_method_figures_and_failures_lose_their_wrapper(tmp_path):
    prefix = write_phase(
        tmp_path,
        "mix",
        [
            "GET,account/status,100,100,3,3.5,1,9,50,50.0,50.0,3,3,4,4,5,6,7,8,9,9,9",
            "GET,login,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A",
            ",Aggregated,100,100,3,3.5,1,9,50,50.0,50.0,3,3,4,4,5,6,7,8,9,9,9",
        ],
        ["GET,account/status,CatchResponseError('HTTP 404'),100"],
    )
    result = run.read_locust_csv(prefix)
    assert result["methods"]["account/status"] == {
        "requests": 100,
        "failures": 100,
        "rps": 50.0,
        "p50": 3.0,
        "p95": 6.0,
        "p99": 8.0,
        "avg": 3.5,
        "max": 9.0,
    }
    assert result["methods"]["login"]["p99"] is None
    assert result["methods"]["(all)"]["requests"] == 100
    assert result["failures"] == [{"name": "account/status", "error": "HTTP 404", "count": 100}]


def test_a_missing_csv_gives_an_empty_phase_instead_of_an_error(tmp_path):
    assert run.read_locust_csv(tmp_path / "nothing") == {"methods": {}, "failures": []}


def results_of(tmp_path, *, status_errors: int) -> dict:
    floor = phase(tmp_path, "floor", [",Aggregated,1000,0,2,2,1,5,11,1000.0,0,2,2,2,2,3,3,4,5,5,5,5"])
    status = phase(
        tmp_path,
        "status",
        [
            f"GET,account/status,900,{status_errors},3,3,1,9,50,900.0,0,3,3,3,3,4,5,6,7,9,9,9",
            f",Aggregated,900,{status_errors},3,3,1,9,50,900.0,0,3,3,3,3,4,5,6,7,9,9,9",
        ],
        [f"GET,account/status,CatchResponseError('HTTP 404'),{status_errors}"] if status_errors else [],
    )
    return {
        "started_at": "2025-01-01T00:00:00+00:00",
        "commit": "abc1234",
        "machine": "2 cores",
        "database": "mysql",
        "locust": "2.43.4",
        "config": {name: default for name, (default, _help) in run.CONFIG.items()},
        "dataset": {
            "operators": [
                {"index": 1, "accounts": 10, "channels": 5, "categories": 2, "stream_services": 3},
            ],
            "programmes": 100,
            "epg_channels": 5,
        },
        "dataset_action": "created",
        "load_average_before": 0.1,
        "phases": {"floor": floor, "status": status},
        "memory": {"before": {"101": 68.0}},
        "queries": {
            "queries": {
                "account/status": {
                    "http_status": 200,
                    "error": 0,
                    "queries_median": 1,
                    "queries_min": 1,
                    "queries_max": 2,
                    "in_process_ms_median": 1.2,
                }
            }
        },
        "problems": [],
        "json_name": "x.json",
        "run_dir": "bench/.var/runs/x",
    }


def test_the_targets_compare_with_the_floor_and_count_errors(tmp_path):
    targets = {t["target"]: t for t in run.evaluate(results_of(tmp_path, status_errors=0))}
    status = targets["account/status alone ≥ 0.8× the floor"]
    assert status["met"] is True
    assert status["measured"].startswith("0.90×")
    failing = {t["target"]: t for t in run.evaluate(results_of(tmp_path, status_errors=5))}
    assert failing["account/status alone ≥ 0.8× the floor"]["met"] is False


def test_the_markdown_report_has_the_phase_table_errors_queries_and_memory(tmp_path):
    results = results_of(tmp_path, status_errors=900)
    results["targets"] = run.evaluate(results)
    text = run.markdown(results)
    assert "| floor (trivial JSON view, back to back) | 10 | 10 | 1000 | 1000.0 | 1.00× |" in text
    assert "| account/status only (back to back) | 10 | 10 | 900 | 900.0 | 0.90× |" in text
    assert "| account/status | HTTP 404 | 0 | 900 |" in text
    assert "| account/status | 200 | 0 | 1 (1–2) | 1.2 |" in text
    assert "| 101 | 68.0 | 70.0 | 70.0 | +2.0 |" in text
    assert "| account/status alone ≥ 0.8× the floor |" in text and "| no |" in text


def test_profile_text_names_files_without_the_machines_paths():
    import sysconfig

    from bench.queries import ROOT, _scrub

    paths = sysconfig.get_paths()
    text = (
        f"10 0.1 {paths['purelib']}/redis/connection.py:99(pack)\n"
        f"5 0.2 {paths['stdlib']}/json/encoder.py:205(iterencode)\n"
        f"3 0.3 {ROOT}/epg/importer.py:10(row)"
    )
    assert _scrub(text) == (
        "10 0.1 site-packages/redis/connection.py:99(pack)\n"
        "5 0.2 stdlib/json/encoder.py:205(iterencode)\n"
        "3 0.3 epg/importer.py:10(row)"
    )


@pytest.mark.parametrize("name", ["bench`; DROP DATABASE mysql; --", "a b", "x/y", ""])
def test_a_bench_database_name_that_is_not_a_plain_identifier_is_refused(name):
    with pytest.raises(ValueError, match="letters, digits and _ only"):
        run.ensure_database(f"mysql://root@127.0.0.1:1/{name}")


def test_a_recorded_configuration_names_paths_inside_the_project_relative_to_it():
    from bench.run import ROOT, _portable

    cfg = {"BENCH_LOCUST": str(ROOT / "bench" / ".venv-locust" / "bin" / "locust"), "BENCH_USERS": "auto", "N": 3}
    assert _portable(cfg) == {"BENCH_LOCUST": "bench/.venv-locust/bin/locust", "BENCH_USERS": "auto", "N": 3}
