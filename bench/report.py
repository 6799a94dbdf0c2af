"""The benchmark's report (bench/run.py): the issue's targets judged on a run's results, and
the Markdown of bench/results/<date>.md.
"""

from __future__ import annotations

from bench.mix import MIX

MIB = 1024 * 1024


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _ratio(value: float | None, floor: float | None) -> str:
    return f"{value / floor:.2f}×" if value is not None and floor else "–"


def floor_around(results: dict, name: str) -> float | None:
    """The mean of the floor slices measured right before and right after phase `name`
    (BENCH_FLOOR_AROUND; the one before alone when none followed), or None."""
    slices = results.get("floor_slices") or []
    for i, piece in enumerate(slices):
        if piece.get("before") == name and piece.get("rps"):
            after = slices[i + 1].get("rps") if i + 1 < len(slices) else None
            return round((piece["rps"] + after) / 2, 1) if after else piece["rps"]
    return None


def _compared(row: dict, floor: float, around: float | None) -> str:
    """'0.66× the floor around it (500.0 / 757.6 RPS); 0.61× the run's floor (820.0)'."""
    if around is None:
        return f"{_ratio(row['rps'], floor)} ({row['rps']} / {floor} RPS)"
    return (f"{_ratio(row['rps'], around)} the floor around it ({row['rps']} / {around} RPS); "
            f"{_ratio(row['rps'], floor)} the run's floor ({floor})")  # fmt: skip


def floor_rps(results: dict) -> float | None:
    return results["phases"].get("floor", {}).get("rps")


def evaluate(results: dict) -> list[dict]:
    """The issue's targets against what was measured (goals, not assertions)."""
    phases = results["phases"]
    floor = floor_rps(results)
    targets = []
    # Each against the floor measured around it when there is one (BENCH_FLOOR_AROUND), else
    # the run's floor phase; the report gives both.
    for name, target, goal in (
        ("method account/status", "account/status alone ≥ 0.7× the floor", 0.7),
        ("method channel/url", "channel/url alone ≥ 0.4× the floor", 0.4),
        ("mix", "device mix ≥ 0.5× the floor, 0 errors", 0.5),
    ):
        row = phases.get(name)
        if row and floor and row.get("rps") is not None:
            around = floor_around(results, name)
            targets.append(
                {
                    "target": target,
                    "measured": f"{_compared(row, floor, around)}, {row['errors']} errors",
                    "met": row["rps"] >= goal * (around or floor) and row["errors"] == 0,
                }
            )
    half = phases.get("half")
    if half and half.get("p99") is not None:
        targets.append(
            {
                "target": "p99 ≤ 50 ms at half the mix's maximum rate",
                "measured": f"p99 {_ms(half['p99'])} ms at {half['rps']} RPS (target {half['target_rps']}), "
                f"{half['errors']} errors",
                # At the rate: a phase that offered less measured a lighter load.
                "met": half["p99"] <= 50 and half["errors"] == 0 and half["rps"] >= 0.95 * half["target_rps"],
            }
        )
    push = phases.get("statpush")
    if push and push.get("rps") is not None:
        targets.append(
            {
                "target": f"stat/push at the devices' rate ({push['target_rps']:g}/s)",
                "measured": f"{push['rps']} pushes/s, p99 {_ms(push['p99'])} ms, {push['errors']} errors",
                "met": push["rps"] >= 0.95 * push["target_rps"] and push["errors"] == 0,
            }
        )
    soak = phases.get("soak")
    if soak and len(soak.get("memory_series") or []) >= 2:
        series = soak["memory_series"]
        first, last = series[0]["rss_mib"], series[-1]["rss_mib"]
        common = [pid for pid in first if pid in last]
        growth = max((last[p] - first[p] for p in common), default=0.0)
        peak = max((max(s["rss_mib"].values(), default=0) for s in series), default=0)
        peak_mb = peak * MIB / 1e6  # the target is in MB (10^6 bytes), the readings in MiB
        targets.append(
            {
                "target": "worker memory flat over the soak, ≤ 150 MB RSS per worker",
                "measured": f"largest growth {growth:+.1f} MiB over {series[-1]['t'] - series[0]['t']} s, "
                f"peak {peak} MiB ({peak_mb:.1f} MB)",
                "met": bool(common) and growth <= max(5.0, 0.05 * peak) and peak_mb <= 150,
            }
        )
    return targets


def _cache_before(results: dict, cfg: dict) -> str:
    """What the shared cache held when the phases began (bench/warm.py)."""
    warm = results.get("warm")
    if not warm:
        if cfg.get("BENCH_FLUSH_REDIS") == "0":
            return (
                "as the run before left it (BENCH_WARM=0, BENCH_FLUSH_REDIS=0): its values expire an hour "
                "after that run made them"
            )
        return "cold (BENCH_WARM=0): each session's first request builds from the database"
    if "guide_windows" in warm:  # a warm-up that reads the channel settings and the guide
        read = (
            f"channel settings and library state read in-process, and {warm['guide_windows']} day windows of the guide"
        )
    else:
        read = "library state read in-process"
    return (
        f"warm, every session's first account/status and channel/programs made and its account's {read} "
        f"({warm['sessions']} sessions, {warm['errors']} errors, {warm['seconds']} s)"
    )


def markdown(results: dict) -> str:
    cfg = results["config"]
    phases = results["phases"]
    floor = floor_rps(results)
    queries = results.get("queries", {}).get("queries", {})
    threads = f" ({cfg['BENCH_THREADS']} threads)" if cfg["BENCH_WORKER_CLASS"] == "gthread" else ""
    server = f"gunicorn {cfg['BENCH_WORKERS']} × {cfg['BENCH_WORKER_CLASS']}{threads}"
    data = results["dataset"]
    operators = "; ".join(
        f"operator {o['index']}: {o['accounts']} accounts ({o.get('sessions', '?')} sessions), {o['channels']} "
        f"channels, {o.get('videos', '?')} videos"
        for o in data["operators"]
    )
    lines = [
        f"# Benchmark {results['started_at']}",
        "",
        f"- commit {results['commit']}; {results['machine']}; database {results['database']}, Redis",
        f"- server: {server}, DEBUG off, log level {cfg['BENCH_LOG_LEVEL']}; load: {results.get('wrk', 'wrk')}, "
        f"{results.get('pinning', 'not pinned')}",
        "- server settings from the environment: "
        + (
            ", ".join(f"{name}={value}" for name, value in settings.items())
            if (settings := results.get("server_settings"))
            else ("none (the project's defaults)" if "server_settings" in results else "not recorded")
        ),
        *([f"- paced phases' proxy: {results['proxy']}"] if results.get("proxy") else []),
        *(
            [
                f"- the floor measured again around the throughput phases ({cfg.get('BENCH_FLOOR_AROUND')} s each, "
                f"× floor around: against the mean of the slices before and after): {len(rates)} slices, "
                f"{min(rates)} to {max(rates)} RPS"
            ]  # fmt: skip
            if (rates := [p["rps"] for p in results.get("floor_slices") or [] if p.get("rps")])
            else []
        ),
        f"- dataset ({results['dataset_action']}): {operators}; {data.get('programmes', 0)} programmes; "
        f"sessions file {results.get('sessions_lines', '?')} lines",
        f"- load average before the run: {results['load_average_before']}",
        "- cache before the phases: " + _cache_before(results, cfg),
        "- workers before the phases: "
        + (
            f"primed, the device mix for {prime['duration_s']} s, not measured ({prime.get('requests', '?')} "
            f"requests, {prime.get('errors', '?')} errors{'; ' + prime['problem'] if prime.get('problem') else ''})"
            if (prime := results.get("prime"))
            else "not primed (BENCH_PRIME=0): the first phases fill each worker's memory"
        ),
        "",
        "## Phases",
        "",
        "| phase | conns | target RPS | requests | RPS | × floor | × floor around | p50 ms | p90 ms | p99 ms | "
        "max ms | errors | CPU cores app / db / redis / proxy / wrk / other |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in phases.values():
        cpu = result.get("cpu_cores", {})
        cpu_text = " / ".join(f"{cpu.get(k, 0):.2f}" for k in ("app workers", "database", "redis", "proxy", "wrk",
                                                                 "other processes"))  # fmt: skip
        target = f"{result['target_rps']:g}" if result.get("target_rps") else "max"
        if result.get("rps") is None:
            lines.append(f"| {result['title']} | {result['connections']} | {target} | – | – | – | – | – | – | – | – | "
                         f"{result.get('problem', 'no data')} | {cpu_text} |")  # fmt: skip
            continue
        ratio = _ratio(result["rps"], floor) if result["kind"] in ("floor", "method", "hot", "mix", "logins") else "–"
        around = _ratio(result["rps"], floor_around(results, result["phase"]))
        lines.append(
            f"| {result['title']} | {result['connections']} | {target} | {result['requests']} | {result['rps']} | "
            f"{ratio} | {around} | {_ms(result['p50'])} | {_ms(result['p90'])} | {_ms(result['p99'])} | "
            f"{_ms(result['max'])} | {result['errors']} | {cpu_text} |"
        )
    mix = phases.get("mix")
    if mix and mix.get("sent"):
        total = sum(mix["sent"].values()) or 1
        lines += [
            "",
            "## The mix, method by method",
            "",
            "| method | weight ‰ | share sent | RPS in the mix | alone RPS | alone × floor | queries/request (warm) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for method, weight in MIX.items():
            share = mix["sent"].get(method, 0) / total
            alone = phases.get(f"method {method}", {}).get("rps")
            q = queries.get(method)
            q_text = f"{q['queries_median']:g}" if q else "–"
            if q and (q["http_status"] != 200 or q.get("error") not in (0, "0", None)):
                q_text += f" (HTTP {q['http_status']}, error {q.get('error')})"
            lines.append(
                f"| {method} | {weight} | {share:.1%} | {mix['rps'] * share:.1f} | {alone if alone else '–'} | "
                f"{_ratio(alone, floor)} | {q_text} |"
            )
    bad = [(r["title"], r) for r in phases.values() if r.get("bad_samples")]
    if bad:
        lines += ["", "## Error answers (first few per phase)", ""]
        for title, result in bad:
            lines.append(f"- {title}: by status {result.get('bad_status')}; e.g. `{result['bad_samples'][0][:160]}`")
    memory = results["memory"]
    lines += ["", "## Worker memory (RSS, MiB)", "", "| worker | before | after the run | change |"]
    lines.append("|---|---:|---:|---:|")
    for pid, before in sorted(memory.get("before", {}).items()):
        after = memory.get("after", {}).get(pid)
        change = f"{after - before:+.1f}" if after is not None else "–"
        lines.append(f"| {pid} | {before:.1f} | {'–' if after is None else f'{after:.1f}'} | {change} |")
    if results.get("targets"):
        lines += ["", "## Targets (goals, not assertions)", "", "| target | measured | met |", "|---|---|---|"]
        for target in results["targets"]:
            lines.append(f"| {target['target']} | {target['measured']} | {'yes' if target['met'] else 'no'} |")
    profile = results.get("queries", {}).get("profile")
    if profile and "areas" in profile:
        lines += [
            "",
            f"## Where the time goes: {profile['method']} in-process ({profile['calls']} calls, "
            f"{profile['per_call_ms']} ms per call under the profiler)",
            "",
            "| area | own time s | share |",
            "|---|---:|---:|",
        ]
        for area in profile["areas"]:
            lines.append(f"| {area['area']} | {area['seconds']} | {area['share']:.0%} |")
    if results.get("problems"):
        lines += ["", "## Problems", ""] + [f"- {p}" for p in results["problems"]]
    lines += ["", f"Raw numbers: `{results['json_name']}`; wrk scripts and output: `{results['run_dir']}`.", ""]
    return "\n".join(lines)
