#!/usr/bin/env python3
"""Benchmark clearview-kg against its baselines on generated graphs, in one run.

    python benchmarks/run.py --sizes 1e4,1e5 --repeat 3 --out benchmarks/RESULTS.md --json results.json

For each size it generates a graph (benchmarks/generate.py, seeded), then for each repeat runs
every group of steps in a fresh process (benchmarks/_worker.py), project and baseline groups
interleaved, their order reversed on every other repeat:

- project (``clearview_kg.core`` public functions): load (``store.load_graph`` with the file as
  extra data, no shipped facts), every named query (``core.catalog`` + ``core.sparql``),
  validation (``core.validation``), the actor graph (``core.network``), each analysis
  (``core.analysis``), each export (``core.export_*``), and ``cvkg analyse centrality`` end to
  end as a subprocess;
- baselines on the same data: rdflib ``Graph.parse``, pyoxigraph ``Store.load`` (in memory) and
  ``bulk_load`` (on disk), each named query on pyoxigraph directly, pySHACL on rdflib (the
  validation oracle), networkx exact betweenness;
- once per repeat, CLI start on the shipped graph: ``cvkg --help`` and ``cvkg query fines``.

It reports medians of the repeats (time, and peak RSS of the step: see _worker.py), the ratios
to the baselines and the issue's goals as MET / NOT MET, in Markdown (``--out``) and as raw
JSON (``--json``). A step that fails is reported with its one-line error; the run goes on.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _worker  # noqa: E402 - next to this file

PROJECT_GROUPS = ["project-load", "project-queries", "project-validate", "project-network",
                  "project-exports", "cli-centrality"]
BASELINE_GROUPS = ["rdflib-parse", "oxigraph-memory", "oxigraph-bulk", "pyshacl"]
CLI_CENTRALITY = "cvkg analyse centrality (end to end)"
CLI_STEPS = [("cvkg --help", "project"), ("cvkg query fines (shipped graph)", "project")]
GOAL_LOAD, GOAL_LOAD_MEM, GOAL_QUERY, GOAL_VALIDATE, GOAL_CENTRALITY = 1.3, 1.3, 1.5, 5.0, 60.0


# --- processes --------------------------------------------------------------------------------


def run_process(argv: list[str], timeout: float, stdout=subprocess.DEVNULL) -> dict:
    """Run argv; wall time, peak RSS (the child's ru_maxrss from wait4), exit code, stderr tail."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=stdout, stderr=err, cwd=str(HERE.parent))
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = [line for line in err.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return {"seconds": seconds, "rss_kb": usage.ru_maxrss, "rc": proc.returncode,
            "timed_out": timed_out, "stderr": lines[-1] if lines else ""}


def cvkg_argv() -> list[str]:
    script = Path(sys.executable).parent / "cvkg"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from clearview_kg.cli.main import cli; cli()"]


# --- the run ----------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part.strip()]


def size_name(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"1e{exponent}" if n == 10 ** exponent else str(n)


class Run:
    def __init__(self, args):
        self.args = args
        self.work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cvkg-bench-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.records: list[dict] = []
        self.data: dict[int, dict] = {}
        self.loads: list[float] = []
        self.timed_out: dict[int, dict[str, float]] = {}  # size -> {"step|engine": seconds}
        self.started = time.time()
        self.minutes = 0.0
        self.runs: list[dict] = []  # the runs whose records are in the report (merged ones too)

    def log(self, message: str) -> None:
        if not self.args.quiet:
            print(f"[{time.time() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)

    def record(self, **fields) -> None:
        self.records.append(fields)

    def generate(self, n: int, violations: int = 0) -> dict:
        name = size_name(n) + ("-violations" if violations else "")
        out = self.work / f"graph-{name}.ttl"
        argv = [sys.executable, str(HERE / "generate.py"), "--triples", str(n), "--seed",
                str(self.args.seed), "--out", str(out)]
        if violations:
            argv += ["--violations", str(violations)]
        result = run_process(argv, self.args.group_timeout)
        if result["rc"] != 0:
            raise SystemExit(f"generate.py failed for {n}: {result['stderr']}")
        meta = json.loads(out.with_suffix(".meta.json").read_text())
        meta.update(path=str(out), wall_seconds=result["seconds"], rss_kb=result["rss_kb"])
        return meta

    def group(self, group: str, size: int, repeat: int, data: str, actor: str) -> None:
        self.loads.append(os.getloadavg()[0])
        if group == "cli-centrality":
            return self.cli_centrality(size, repeat, data)
        results = self.work / f"results-{size_name(size)}-{repeat}-{group}.jsonl"
        results.unlink(missing_ok=True)
        argv = [sys.executable, str(HERE / "_worker.py"), group, "--data", data,
                "--results", str(results), "--tmp", str(self.work / f"tmp-{group}"),
                "--actor", actor, "--step-timeout", str(self.args.step_timeout),
                "--betweenness-budget", str(self.args.betweenness_budget),
                "--skip", json.dumps(self.timed_out.get(size, {}))]
        proc = run_process(argv, self.args.group_timeout)
        seen = set()
        if results.exists():
            for line in results.read_text().splitlines():
                rec = json.loads(line)
                seen.add((rec["step"], rec["engine"]))
                self.record(size=size, repeat=repeat, group=group, **rec)
                if rec.get("lower_bound"):  # a step that timed out is not run again at this size
                    self.timed_out.setdefault(size, {})[f"{rec['step']}|{rec['engine']}"] = rec["lower_bound"]
        missing = [s for s in _worker.expected_steps(group) if s not in seen]
        if missing:
            why = ("group killed after --group-timeout" if proc["timed_out"] else
                   f"worker exited with {proc['rc']}: {proc['stderr'][:200]}" if proc["rc"] else
                   "not recorded")
            for step, engine in missing:
                self.record(size=size, repeat=repeat, group=group, step=step, engine=engine,
                            seconds=None, rss_kb=None, ok=False, error=f"not reached: {why}", info={})
        failed = sum(1 for r in self.records if r.get("group") == group and r["size"] == size
                     and r["repeat"] == repeat and not r["ok"])
        self.log(f"  {group}: {proc['seconds']:.1f} s" + (f", {failed} step(s) failed" if failed else ""))

    def cli_centrality(self, size: int, repeat: int, data: str) -> None:
        stopped = self.timed_out.get(size, {}).get(f"{CLI_CENTRALITY}|project")
        if stopped is not None:
            self.record(size=size, repeat=repeat, group="cli-centrality", step=CLI_CENTRALITY,
                        engine="project", seconds=None, lower_bound=stopped, rss_kb=None, ok=False,
                        error=f"timeout: stopped after {stopped:.0f} s in an earlier repeat, not run again",
                        info={})
            return
        out = self.work / "centrality.txt"
        argv = cvkg_argv() + ["analyse", "centrality", "--data", data, "--no-shipped",
                              "--format", "csv", "--output", str(out)]
        proc = run_process(argv, self.args.step_timeout)
        ok = proc["rc"] == 0 and not proc["timed_out"]
        error = None
        if proc["timed_out"]:
            error = f"timeout: stopped after {self.args.step_timeout:.0f} s"
        elif proc["rc"]:
            error = f"exit {proc['rc']}: {proc['stderr'][:200]}"
        self.record(size=size, repeat=repeat, group="cli-centrality", step=CLI_CENTRALITY,
                    engine="project", seconds=proc["seconds"] if ok else None,
                    lower_bound=proc["seconds"] if proc["timed_out"] else None,
                    rss_kb=proc["rss_kb"], ok=ok, error=error, info={})
        if proc["timed_out"]:
            self.timed_out.setdefault(size, {})[f"{CLI_CENTRALITY}|project"] = proc["seconds"]
        out.unlink(missing_ok=True)
        self.log(f"  cli-centrality: {proc['seconds']:.1f} s" + ("" if ok else f" ({error})"))

    def cli_start(self, repeat: int) -> None:
        commands = {"cvkg --help": ["--help"], "cvkg query fines (shipped graph)": ["query", "fines"]}
        for step, engine in CLI_STEPS:
            proc = run_process(cvkg_argv() + commands[step], self.args.step_timeout)
            ok = proc["rc"] == 0 and not proc["timed_out"]
            self.record(size=0, repeat=repeat, group="cli", step=step, engine=engine,
                        seconds=proc["seconds"] if ok else None, rss_kb=proc["rss_kb"], ok=ok,
                        error=None if ok else f"exit {proc['rc']}: {proc['stderr'][:200]}", info={})

    def main(self) -> None:
        args = self.args
        self.loads.append(os.getloadavg()[0])
        for n in parse_sizes(args.sizes):
            self.log(f"size {n}: generating")
            meta = self.generate(n)
            self.data[n] = meta
            self.record(size=n, repeat=0, group="generate", step="generate", engine="generator",
                        seconds=meta["wall_seconds"], rss_kb=meta["rss_kb"], ok=True, error=None,
                        info={"triples": meta["triples"], "internal_seconds": meta["seconds"]})
            for repeat in range(args.repeat):
                self.log(f"size {n}: repeat {repeat + 1}/{args.repeat}")
                pairs = itertools.zip_longest(PROJECT_GROUPS, BASELINE_GROUPS)
                order = [g for pair in pairs for g in (pair if repeat % 2 == 0 else pair[::-1])
                         if g and (not args.groups or g in args.groups)]
                for group in order:
                    self.group(group, n, repeat, meta["path"], meta["sample_actor"])
            if args.violations and (not args.groups or "violations" in args.groups):
                self.log(f"size {n}: validating {args.violations} injected violations")
                bad = self.generate(n, args.violations)
                self.data[n]["violations_file"] = bad["path"]
                self.group("violations", n, 0, bad["path"], bad["sample_actor"])
        if not args.groups or "cli" in args.groups:
            self.log("CLI start on the shipped graph")
            for repeat in range(args.repeat):
                self.cli_start(repeat)
        if not args.keep:
            for n, meta in self.data.items():
                for path in [meta["path"], meta.get("violations_file")]:
                    if path:
                        base = Path(path)
                        for p in (base, base.with_suffix(".meta.json"), base.with_suffix(".violations.json")):
                            p.unlink(missing_ok=True)
                        shutil.rmtree(base.with_suffix(".corpus"), ignore_errors=True)
            for leftover in self.work.glob("results-*.jsonl"):
                leftover.unlink()


# --- the report -------------------------------------------------------------------------------


def machine() -> dict:
    info = {"nproc": os.cpu_count(), "cpu": "unknown", "memory_gib": None,
            "kernel": platform.release(), "python": platform.python_version()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout)
    except (OSError, ValueError):
        pass
    versions = {}
    for dist in ("clearview-kg", "rdflib", "pyshacl", "pyoxigraph", "networkx", "click", "matplotlib"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    try:
        dot = subprocess.run(["dot", "-V"], capture_output=True, text=True)
        versions["graphviz"] = (dot.stderr or dot.stdout).strip().split("(")[0].replace("dot - graphviz version", "").strip()
    except OSError:
        versions["graphviz"] = "not installed"
    info["versions"] = versions
    return info


def aggregate(records: list[dict]) -> dict:
    """(size, step, engine) -> {median, rss, ok, runs, errors, info}."""
    table: dict = {}
    for rec in records:
        key = (rec["size"], rec["step"], rec["engine"])
        row = table.setdefault(key, {"times": [], "rss": [], "runs": 0, "errors": [], "info": {},
                                     "lower": []})
        row["runs"] += 1
        if rec["ok"] and rec["seconds"] is not None:
            row["times"].append(rec["seconds"])
            if rec.get("rss_kb"):
                row["rss"].append(rec["rss_kb"])
            row["info"].update(rec.get("info") or {})
        else:
            row["errors"].append(rec.get("error") or "failed")
            if rec.get("lower_bound"):
                row["lower"].append(rec["lower_bound"])
    for row in table.values():
        row["lower_bound"] = max(row["lower"]) if row["lower"] and not row["times"] else None
        row["median"] = statistics.median(row["times"]) if row["times"] else None
        row["rss_mb"] = statistics.median(row["rss"]) / 1024 if row["rss"] else None
        row["ok"] = len(row["times"])
    return table


def baseline_of(step: str, engine: str) -> tuple[str, str] | None:
    if engine != "project":
        return None
    if step == "load":
        return ("pyoxigraph bulk_load (on disk)", "baseline")
    if step.startswith("query "):
        return (step, "pyoxigraph")
    if step == "validate":
        return ("pySHACL validate (rdflib)", "baseline")
    if step == "analyse centrality betweenness":
        return ("networkx betweenness (exact)", "baseline")
    return None


def fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def fmt_mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x" if value < 10 else f"{value:.0f}x"


def status(met: bool | None) -> str:
    return "not measured" if met is None else ("MET" if met else "NOT MET")


def seconds(row: dict) -> tuple[float | None, str]:
    """A step's time: (median, "") when it ran, (lower bound, ">") when it was stopped."""
    if row.get("median") is not None:
        return row["median"], ""
    if row.get("lower_bound"):
        return row["lower_bound"], ">"
    return None, ""


def time_text(row: dict) -> str:
    value, bound = seconds(row)
    return (bound + " " if bound else "") + fmt_s(value)


def ratio(row: dict, base: dict) -> tuple[float | None, str]:
    """row / base in time, with ">" or "<" when one of them is only a bound."""
    a, bound_a = seconds(row)
    b, bound_b = seconds(base)
    if a is None or not b or (bound_a and bound_b):
        return None, ""
    return a / b, ">" if bound_a else ("<" if bound_b else "")


def ratio_text(value: float | None, bound: str = "") -> str:
    return (bound + " " if bound and value is not None else "") + fmt_ratio(value)


def goals(table: dict, sizes: list[int]) -> list[list[str]]:
    rows = []
    for n in sizes:
        sn = size_name(n)
        load = table.get((n, "load", "project"), {})
        bulk = table.get((n, "pyoxigraph bulk_load (on disk)", "baseline"), {})
        goal = f"load within {GOAL_LOAD}x of pyoxigraph bulk_load (time)"
        r, bound = ratio(load, bulk)
        if r is not None:
            rows.append([goal, sn, f"{time_text(load)} s vs {time_text(bulk)} s = {ratio_text(r, bound)}",
                         f"<= {GOAL_LOAD}x", status(r <= GOAL_LOAD and bound != ">")])
        else:
            rows.append([goal, sn, "not run", f"<= {GOAL_LOAD}x", status(None)])
        goal = f"load within {GOAL_LOAD_MEM}x of pyoxigraph bulk_load (peak RSS)"
        if load.get("rss_mb") and bulk.get("rss_mb"):
            r = load["rss_mb"] / bulk["rss_mb"]
            rows.append([goal, sn,
                         f"{fmt_mb(load['rss_mb'])} MiB vs {fmt_mb(bulk['rss_mb'])} MiB = {fmt_ratio(r)}",
                         f"<= {GOAL_LOAD_MEM}x", status(r <= GOAL_LOAD_MEM)])
        else:
            rows.append([goal, sn, "not run", f"<= {GOAL_LOAD_MEM}x", status(None)])
        measured, missing = [], []
        for (size, step, engine), row in table.items():
            if size != n or engine != "project" or not step.startswith("query "):
                continue
            r, bound = ratio(row, table.get((n, step, "pyoxigraph"), {}))
            if r is None:
                missing.append(step[6:])
            else:
                measured.append((r, bound, step[6:]))
        if measured:
            r, bound, name = max(measured)
            within = sum(1 for m in measured if m[0] <= GOAL_QUERY and m[1] != ">")
            text = f"worst: {name} {ratio_text(r, bound)}; {within} of {len(measured)} within"
            stopped = [m[2] for m in measured if m[1] == ">"]
            if stopped:
                text += f"; stopped: {', '.join(sorted(stopped))}"
            if missing:
                text += f"; not measured: {', '.join(sorted(missing))}"
            rows.append([f"every named query within {GOAL_QUERY}x of pyoxigraph direct", sn, text,
                         f"<= {GOAL_QUERY}x",
                         status(within == len(measured) and not missing)])
        else:
            rows.append([f"every named query within {GOAL_QUERY}x of pyoxigraph direct", sn, "not run",
                         f"<= {GOAL_QUERY}x", status(None)])
        val = table.get((n, "validate", "project"), {})
        oracle = table.get((n, "pySHACL validate (rdflib)", "baseline"), {})
        goal = f"validation >= {GOAL_VALIDATE:.0f}x faster than pySHACL on rdflib"
        r, bound = ratio(oracle, val)  # the speed-up: baseline / project
        if r is not None:
            rows.append([goal, sn, f"{time_text(val)} s vs {time_text(oracle)} s: "
                         f"{ratio_text(r, bound)} faster", f">= {GOAL_VALIDATE:.0f}x",
                         status(r >= GOAL_VALIDATE and bound != "<")])
        else:
            rows.append([goal, sn, "not run", f">= {GOAL_VALIDATE:.0f}x", status(None)])
        cen = table.get((n, CLI_CENTRALITY, "project"), {})
        value, bound = seconds(cen)
        if value is not None:
            rows.append([f"`cvkg analyse centrality` within {GOAL_CENTRALITY:.0f} s", sn,
                         f"{time_text(cen)} s end to end" + (" (stopped)" if bound else ""),
                         f"<= {GOAL_CENTRALITY:.0f} s", status(value <= GOAL_CENTRALITY and not bound)])
        else:
            rows.append([f"`cvkg analyse centrality` within {GOAL_CENTRALITY:.0f} s", sn, "not run",
                         f"<= {GOAL_CENTRALITY:.0f} s", status(None)])
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def command_line(args) -> str:
    parts = ["python benchmarks/run.py", f"--sizes {args.sizes}", f"--repeat {args.repeat}",
             f"--seed {args.seed}"]
    if args.groups:
        parts.append("--groups " + ",".join(args.groups))
    if args.violations != 12:
        parts.append(f"--violations {args.violations}")
    if args.step_timeout != 1800:
        parts.append(f"--step-timeout {args.step_timeout:g}")
    if args.betweenness_budget != 600:
        parts.append(f"--betweenness-budget {args.betweenness_budget:g}")
    return " ".join(parts)


def data_rows(data: dict, table: dict, sizes: list[int]) -> list[list]:
    rows = []
    for n in sizes:
        meta = data.get(n, {})
        counts = meta.get("counts", {})
        actions = sum(v for k, v in counts.items() if k in ACTION_CLASSES)
        actors = sum(v for k, v in counts.items() if k in ACTOR_CLASSES)
        graph = table.get((n, "actor graph", "project"), {}).get("info", {})
        loaded = next((table.get((n, step, engine), {}).get("info", {}).get("triples")
                       for step, engine in (("load", "project"), ("rdflib Graph.parse", "baseline"),
                                            ("pyoxigraph Store.load (in-memory)", "baseline"))
                       if table.get((n, step, engine), {}).get("info", {}).get("triples")), "-")
        rows.append([size_name(n), meta.get("triples", "-"), loaded, meta.get("sagas", "-"),
                     meta.get("sources", "-"), actions, actors, counts.get("Derivation", "-"),
                     f"{graph.get('nodes', '-')} / {graph.get('edges', '-')}",
                     fmt_s(meta.get("seconds"))])
    return rows


def size_rows(table: dict, n: int) -> list[list[str]]:
    """One row per project step (with its baseline beside it) and per unpaired baseline step."""
    order = {name: i for i, name in enumerate(STEP_ORDER)}
    paired = {(n,) + b for (size, step, engine) in table if size == n
              for b in [baseline_of(step, engine)] if b}
    keys = [k for k in table if k[0] == n and k not in paired]

    def sort_key(key):
        step = key[1]
        base = step.split(" ")[0] if step.startswith(("query ", "export ")) else step
        return (order.get(base, order.get(step, 99)), step)

    rows = []
    for key in sorted(keys, key=sort_key):
        _, step, engine = key
        row = table[key]
        project = engine in ("project", "generator")
        base_key = baseline_of(step, engine)
        base = table.get((n,) + base_key, {}) if base_key else {}
        ratio_s, bound = ratio(row, base) if base_key else (None, "")
        ratio_m = None
        if row.get("rss_mb") and base.get("rss_mb"):
            ratio_m = row["rss_mb"] / base["rss_mb"]
        notes = []
        info = row["info"]
        for field in ("triples", "rows", "conforms", "results", "nodes", "edges", "bytes"):
            if field in info:
                notes.append(f"{field} {info[field]}")
        if base_key and base.get("info", {}).get("conforms") is not None and step == "validate":
            notes.append(f"pySHACL conforms {base['info']['conforms']}")
        if step.startswith("query ") and base.get("info", {}).get("rows") is not None \
                and info.get("rows") is not None and base["info"]["rows"] != info["rows"]:
            notes.append(f"ROW COUNT DIFFERS: pyoxigraph gives {base['info']['rows']}")
        if step == "load" and row.get("median"):
            for other, label in (("rdflib Graph.parse", "rdflib parse"),
                                 ("pyoxigraph Store.load (in-memory)", "pyoxigraph in-memory")):
                o = table.get((n, other, "baseline"), {})
                if o.get("median"):
                    notes.append(f"{fmt_ratio(row['median'] / o['median'])} of {label}")
        if step == "validate" and ratio_s:
            flipped = {">": "<", "<": ">"}.get(bound, "")
            notes.append(f"speed-up over pySHACL {ratio_text(1 / ratio_s, flipped)}")
        if row["errors"]:
            notes.append(row["errors"][0])
        if base.get("errors"):
            notes.append("baseline: " + base["errors"][0])
        base_name = "-"
        if base_key:
            base_name = "same query, pyoxigraph" if step.startswith("query ") else base_key[0]
        runs = f"{row['ok']}/{row['runs']}"
        if base_key:
            runs += f", {base.get('ok', 0)}/{base.get('runs', 0)}"
        cells = [time_text(row), fmt_mb(row["rss_mb"])]
        rows.append([step] + (cells if project else ["-", "-"]) + [
            base_name if project else f"{step} ({engine})",
            time_text(base) if project else cells[0],
            fmt_mb(base.get("rss_mb")) if project else cells[1],
            ratio_text(ratio_s, bound), fmt_ratio(ratio_m), runs, "; ".join(notes)])
    return rows


def report(records: list[dict], data: dict, runs: list[dict], path: Path, violations: int) -> str:
    table = aggregate(records)
    sizes = sorted({r["size"] for r in records if r["size"]})
    lines = ["# Benchmark results", ""]
    for i, info in enumerate(runs, 1):
        lines += [f"- Run {i}: `{info['command']}` on {info['date']}, {info['minutes']:.0f} minutes, "
                  f"sizes {info['sizes']}; load average (1 min) during the run "
                  f"{info['load_min']:.1f}-{info['load_max']:.1f} on {info['machine']['nproc']} cores."]
    lines += ["", "How to reproduce: benchmarks/README.md. Times are medians of the repeats, in seconds; "
              "memory is the median peak RSS of the step's process in MiB (for a step after a load, "
              "it includes the loaded graph, since the step runs in that process; see "
              "benchmarks/_worker.py). Each group of steps ran in a fresh process; project and "
              "baseline groups were interleaved, their order reversed on every other repeat. "
              "Ratios are project / baseline: below 1 the project is faster or smaller. The "
              "machine is shared: where the load average exceeds the number of cores, other "
              "processes competed for the CPU, so single numbers can be off by tens of percent; "
              "the ratios, measured interleaved, suffer less.", ""]
    info = runs[-1]["machine"] if runs else machine()
    lines += ["## Machine", ""]
    lines += [f"- CPU: {info['cpu']}, {info['nproc']} cores (nproc)",
              f"- Memory: {info['memory_gib']} GiB; Linux {info['kernel']}",
              f"- Python {info['python']}; " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
              ""]

    lines += ["## Goals of the issue, as measured", ""]
    lines += markdown_table(["goal", "size", "measured", "target", "status"], goals(table, sizes))
    if sizes and max(sizes) < 10 ** 6:
        lines += ["", f"The goals are stated at 10^6 triples; this report goes up to "
                      f"{size_name(max(sizes))}, so the rows above show the trend, not the verdict at 10^6."]
    lines += [""]

    lines += ["## Generated data (benchmarks/generate.py, seed %s)" % (runs[-1]["seed"] if runs else "?"), ""]
    lines += markdown_table(["size", "triples (file)", "triples loaded (+ ontology)", "sagas",
                             "sources", "actions", "actors", "quotes", "actor graph nodes / edges",
                             "generation s"], data_rows(data, table, sizes))
    lines += [""]

    header = ["step", "project s", "project MiB", "baseline", "baseline s", "baseline MiB",
              "ratio s", "ratio MiB", "ok/runs", "notes"]
    for n in sizes:
        lines += [f"## Size {size_name(n)} ({data.get(n, {}).get('triples', '?')} triples)", ""]
        lines += markdown_table(header, size_rows(table, n))
        lines += [""]
        check = table.get((n, "validate (injected violations)", "project"))
        if check:
            i = check["info"]
            if check["ok"]:
                verdict = ("found exactly the injected violations" if i.get("exact") else
                           f"MISMATCH: missing {i.get('missing')}, extra {i.get('extra')}")
                lines += [f"Correctness: a copy with {i.get('violations', violations)} injected violations "
                          f"({i.get('expected')} expected results) was validated with core.validation "
                          f"in {fmt_s(check['median'])} s: {verdict}.", ""]
            else:
                lines += [f"Correctness: the injected-violation check failed: {check['errors'][0]}", ""]

    cli = [(step, engine) for step, engine in CLI_STEPS if (0, step, engine) in table]
    if cli:
        lines += ["## CLI start (shipped graph)", ""]
        rows = []
        for step, engine in cli:
            row = table[(0, step, engine)]
            rows.append([step, fmt_s(row["median"]), fmt_mb(row["rss_mb"]), f"{row['ok']}/{row['runs']}",
                         row["errors"][0] if row["errors"] else ""])
        lines += markdown_table(["command", "median s (wall)", "peak MiB", "ok/runs", "notes"], rows)
        lines += [""]
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


STEP_ORDER = [
    "generate", "load", "rdflib Graph.parse", "pyoxigraph Store.load (in-memory)",
    "pyoxigraph bulk_load (on disk)", "query", "validate", "pySHACL validate (rdflib)",
    "actor graph", "analyse centrality degree", "analyse centrality weighted_degree",
    "analyse centrality eigenvector", "analyse centrality pagerank",
    "analyse centrality betweenness", "networkx betweenness (exact)", CLI_CENTRALITY,
    "analyse communities greedy", "analyse communities louvain", "analyse components",
    "analyse stats", "analyse evolution", "export", "validate (injected violations)",
]
ACTION_CLASSES = {"DataScraping", "ProposedFine", "Fine", "Order", "Investigation", "Decision", "Use",
                  "Trial", "Denial", "Statement", "BusinessCommitment", "CallToAction", "Complaint",
                  "Lawsuit", "Settlement", "SettlementTerm"}
ACTOR_CLASSES = {"Company", "SocialMediaPlatform", "DataProtectionAuthority", "LawEnforcementAgency",
                 "Government", "Court", "Legislature", "CivilSocietyOrganisation", "NewsOutlet",
                 "Coalition", "Person"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e4,1e5", help="comma-separated triple counts (default 1e4,1e5)")
    parser.add_argument("--repeat", type=int, default=3, help="repeats per size (default 3)")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"), help="Markdown report")
    parser.add_argument("--json", default=None, help="also write every measurement as JSON here")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--violations", type=int, default=12,
                        help="per size, validate a copy with K injected violations (0: skip)")
    parser.add_argument("--groups", default="",
                        help="only these groups (comma-separated): " + ", ".join(
                            PROJECT_GROUPS + BASELINE_GROUPS + ["violations", "cli"]))
    parser.add_argument("--merge", action="append", default=[],
                        help="add the sizes of an earlier run's --json file to the report (repeatable)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: write the report from the --merge files")
    parser.add_argument("--workdir", default=None, help="where data and scratch files go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--step-timeout", type=float, default=1800.0, help="seconds per step (default 1800)")
    parser.add_argument("--group-timeout", type=float, default=7200.0, help="seconds per process (default 7200)")
    parser.add_argument("--betweenness-budget", type=float, default=600.0,
                        help="skip exact betweenness when it is estimated to take longer (default 600 s)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.groups = [g for g in args.groups.split(",") if g.strip()]
    unknown = set(args.groups) - set(PROJECT_GROUPS + BASELINE_GROUPS + ["violations", "cli"])
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")

    records: list[dict] = []
    data: dict[int, dict] = {}
    runs: list[dict] = []
    run = None
    try:
        if not args.report_only:
            run = Run(args)
            try:
                run.main()
            finally:
                loads = run.loads or [os.getloadavg()[0]]
                run_info = {"command": command_line(args), "date": _dt.date.today().isoformat(),
                            "minutes": (time.time() - run.started) / 60,
                            "sizes": ", ".join(size_name(n) for n in parse_sizes(args.sizes)),
                            "seed": args.seed, "load_min": min(loads), "load_max": max(loads),
                            "machine": machine()}
                if args.json and run.records:
                    Path(args.json).write_text(json.dumps(
                        {"runs": [run_info], "data": {str(k): v for k, v in run.data.items()},
                         "records": run.records}, indent=1, default=str) + "\n")
                records, data, runs = list(run.records), dict(run.data), [run_info]
        measured = {r["size"] for r in records}
        for path in args.merge:
            doc = json.loads(Path(path).read_text())
            new = [r for r in doc["records"] if r["size"] not in measured]
            if not new:
                continue
            records += new
            for k, v in doc["data"].items():
                data.setdefault(int(k), v)
            runs += doc["runs"]
            measured |= {r["size"] for r in new}
        if records:
            report(records, data, runs, Path(args.out), args.violations)
            print(f"wrote {args.out}", file=sys.stderr)
    finally:
        if run is not None and not args.workdir and not args.keep:
            shutil.rmtree(run.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
