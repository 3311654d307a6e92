#!/usr/bin/env python3
"""Benchmark clearview-kg against its baselines on generated graphs, in one run.

    python benchmarks/run.py --sizes 1e4,1e5 --repeat 3 --out benchmarks/RESULTS.md --json results.json

For each size it generates a graph (benchmarks/generate.py, seeded), prepares a warm store
cache (the project's store, as a first command leaves it) and a pyoxigraph store on disk, then
for each repeat runs every group of steps in a fresh process (benchmarks/_worker.py), project
and baseline groups interleaved, their order reversed on every other repeat:

- project (``clearview_kg.core`` public functions, on the store every command opens:
  ``store.open_store(Source(...))``, an Oxigraph store on disk under ``$CVKG_CACHE_DIR``):
  load (building the store in an empty cache), re-open (a fresh process, warm cache), every
  named query (``core.catalog`` + ``store.run``), validation (``core.validation``), the actor
  graph (``core.network``), each analysis (``core.analysis``), each export (what ``cvkg
  export`` runs); and as subprocesses ``cvkg query NAME --data FILE --no-shipped`` (warm) and
  ``cvkg analyse centrality`` end to end (new store and warm store);
- baselines on the same data: pyoxigraph ``bulk_load`` (on disk), ``Store.read_only`` (re-open)
  and every named query on it, ``Store.load`` (in memory) and every named query on it (every
  value of every row read), rdflib ``Graph.parse``, pySHACL on rdflib (the validation oracle),
  networkx exact betweenness, and interpreter start (``python -c pass``, ``python -c "import
  pyoxigraph"``);
- per size, a copy with injected violations validated by the project and by pySHACL, both
  compared with the generator's list and with each other;
- once per repeat, CLI start on the shipped graph: ``cvkg --help`` (and which modules it
  imports) and ``cvkg query sources`` (new store, then warm store).

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
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _worker  # noqa: E402 - next to this file

# Paired by position: each project group runs next to the baseline group it is compared with.
PROJECT_GROUPS = ["project-load", "project-reopen", "project-queries", "project-validate",
                  "project-network", "project-exports", "project-push", "cli-query", "cli-centrality"]
BASELINE_GROUPS = ["oxigraph-bulk", "oxigraph-reopen", "oxigraph-memory", "pyshacl", "rdflib-parse"]
OTHER_GROUPS = ["violations", "cli"]
ALL_GROUPS = PROJECT_GROUPS + BASELINE_GROUPS + OTHER_GROUPS
RUNNER_GROUPS = {"cli-query", "cli-centrality"}  # subprocesses run by this script, not _worker.py

CLI_CENTRALITY_COLD = "cvkg analyse centrality (end to end, new store)"
CLI_CENTRALITY = "cvkg analyse centrality (end to end, warm store)"
PY_START = "python -c pass"
PY_OX_START = "python -c 'import pyoxigraph'"
HELP = "cvkg --help"
HELP_PROBE = "cvkg --help (modules imported)"
SHIPPED_COLD = "cvkg query sources (shipped graph, new store)"
SHIPPED_WARM = "cvkg query sources (shipped graph, warm store)"
CLI_STEPS = [(HELP, "project"), (HELP_PROBE, "project"), (PY_START, "baseline"),
             (PY_OX_START, "baseline"), (SHIPPED_COLD, "project"), (SHIPPED_WARM, "project")]
HEAVY = ("rdflib", "pyshacl", "networkx", "matplotlib", "pyoxigraph", "igraph", "pyparsing")
PROBE = """
import json, sys
from clearview_kg.cli.main import cli
try:
    cli.main(args=["--help"], prog_name="cvkg")
except SystemExit:
    pass
print("PROBE " + json.dumps(sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))
"""

GOAL_LOAD, GOAL_LOAD_MEM, GOAL_QUERY, GOAL_VALIDATE, GOAL_CENTRALITY = 1.3, 1.3, 1.5, 5.0, 60.0
# `cvkg query` "answers in interpreter start plus query time": the issue gives no tolerance;
# this runner allows the same 1.5x as for the queries themselves.
GOAL_CLI_QUERY = 1.5

G_LOAD = f"(a) load within {GOAL_LOAD}x of pyoxigraph bulk_load: time"
G_LOAD_MEM = f"(a) load within {GOAL_LOAD_MEM}x of pyoxigraph bulk_load: peak memory"
G_QUERY_DISK = f"(b) every named query within {GOAL_QUERY}x of pyoxigraph (on-disk store, as the project's)"
G_REOPEN = "(c) a second command re-opens the store instead of re-parsing"
G_CLI_QUERY = "(c) warm `cvkg query` answers in interpreter start + query time"
G_HELP = "(c) `cvkg --help` imports no part of the RDF stack"
G_VALIDATE = f"(d) validation >= {GOAL_VALIDATE:.0f}x faster than pySHACL on rdflib, same violations"
G_CENTRALITY = f"(e) `cvkg analyse centrality` within {GOAL_CENTRALITY:.0f} s"
G_MEMORY = f"(f) peak memory of every project step within {GOAL_LOAD_MEM}x of pyoxigraph bulk_load's"
G_PIPED = "(f) no progress output when stderr is piped"
GOALS = [G_LOAD, G_LOAD_MEM, G_QUERY_DISK, G_REOPEN, G_CLI_QUERY, G_HELP,
         G_VALIDATE, G_CENTRALITY, G_MEMORY, G_PIPED]
SIZELESS_GOALS = {G_HELP, G_PIPED}
# Not goals: the same load and queries against pyoxigraph's in-memory store, which has no
# persistent form (goal (c) needs one). docs/scale.md, "The baseline of goals (a) and (b)".
C_LOAD_INMEM = "(a) load against pyoxigraph's in-memory store (Store.load): time, peak memory"
C_QUERY_MEM = "(b) every named query against pyoxigraph's in-memory store"
COMPARISONS = [C_LOAD_INMEM, C_QUERY_MEM]
CLI_RUNS = 3  # runs per repeat of the short commands (interpreter start, `cvkg query`, `cvkg --help`)


# --- processes --------------------------------------------------------------------------------


def clean_env(cache: Path | None = None) -> dict:
    """The environment for subprocesses: no progress-bar override (so that a piped stderr is
    really treated as piped), the store cache given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CVKG_PROGRESS")}
    env.pop("CVKG_CACHE_DIR", None)
    if cache is not None:
        env["CVKG_CACHE_DIR"] = str(cache)
    return env


def run_process(argv: list[str], timeout: float, env: dict | None = None, capture: bool = False) -> dict:
    """Run argv; wall time, peak RSS (the child's ru_maxrss from wait4), exit code, stderr tail,
    whether stderr shows a progress bar (carriage returns or terminal escapes), and with
    ``capture`` its stdout (else it goes to /dev/null)."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out if capture else subprocess.DEVNULL, stderr=err,
                                cwd=str(HERE.parent), env=env if env is not None else clean_env())
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)  # a blocking wait4, no polling beside the child
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        timed_out = killed.is_set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace") if capture else ""
    lines = [line for line in text.splitlines() if line.strip()]
    return {"seconds": seconds, "rss_kb": usage.ru_maxrss, "rc": proc.returncode,
            "timed_out": timed_out, "stderr": lines[-1] if lines else "",
            "bar": "\r" in text or "\x1b[" in text, "stdout": stdout}


def cvkg_argv() -> list[str]:
    script = Path(sys.executable).parent / "cvkg"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from clearview_kg.cli.main import cli; cli()"]


def stores_in(cache: Path) -> set[str]:
    try:
        return {p.name for p in (cache / "stores").iterdir() if not p.name.startswith("building-")}
    except OSError:
        return set()


# --- the run ----------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part.strip()]


def size_name(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"1e{exponent}" if n == 10 ** exponent else str(n)


def cli_query_step(name: str) -> str:
    return f"cvkg query {name} --data FILE --no-shipped (warm store)"


class Run:
    def __init__(self, args):
        self.args = args
        self.work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cvkg-bench-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.work = self.work.resolve()
        self.records: list[dict] = []
        self.data: dict[int, dict] = {}
        self.loads: list[float] = []
        self.timed_out: dict[int, dict[str, float]] = {}  # size -> {"step|engine": seconds}
        self.started = time.time()
        self.runs: list[dict] = []  # the runs whose records are in the report (merged ones too)

    def log(self, message: str) -> None:
        if not self.args.quiet:
            print(f"[{time.time() - self.started:7.1f}s] {message}", file=sys.stderr, flush=True)

    def record(self, **fields) -> None:
        self.records.append(fields)

    def wanted(self, group: str) -> bool:
        return not self.args.groups or group in self.args.groups

    # folders of one size

    def warm_cache(self, size: int) -> Path:
        return self.work / f"cache-{size_name(size)}"

    def baseline_tmp(self, size: int) -> Path:
        return self.work / f"oxigraph-{size_name(size)}"

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

    def worker(self, group: str, size: int, repeat: int, data: str, actor: str, cache: Path | None,
               tmp: Path) -> tuple[list[dict], dict]:
        """Run one group in _worker.py; its records (not yet added) and the process result."""
        results = self.work / f"results-{size_name(size)}-{repeat}-{group}.jsonl"
        results.unlink(missing_ok=True)
        argv = [sys.executable, str(HERE / "_worker.py"), group, "--data", data,
                "--results", str(results), "--tmp", str(tmp), "--actor", actor,
                "--step-timeout", str(self.args.step_timeout),
                "--betweenness-budget", str(self.args.betweenness_budget),
                "--skip", json.dumps(self.timed_out.get(size, {}))]
        if cache is not None:
            argv += ["--cache", str(cache)]
        proc = run_process(argv, self.args.group_timeout, env=clean_env(cache))
        recs = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
        results.unlink(missing_ok=True)
        return recs, proc

    def group(self, group: str, size: int, repeat: int, data: str, actor: str) -> None:
        self.loads.append(os.getloadavg()[0])
        if group == "cli-centrality":
            return self.cli_centrality(size, repeat, data)
        if group == "cli-query":
            return self.cli_query(size, repeat, data)
        cache: Path | None = self.warm_cache(size)
        cold = None
        if group == "project-load":
            cold = cache = self.work / f"cache-new-{size_name(size)}-{repeat}"
            shutil.rmtree(cold, ignore_errors=True)
        elif not group.startswith(("project-", "violations")):
            cache = None
        tmp = self.baseline_tmp(size) if group in ("oxigraph-reopen", "oxigraph-bulk") else \
            self.work / f"tmp-{group}"
        recs, proc = self.worker(group, size, repeat, data, actor, cache, tmp)
        if cold is not None:
            shutil.rmtree(cold, ignore_errors=True)
        seen = set()
        for rec in recs:
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

    def prepare(self, size: int, data: str, actor: str) -> None:
        """Untimed: the warm store cache and the pyoxigraph store on disk of this size."""
        recs, proc = self.worker("prepare", size, 0, data, actor, self.warm_cache(size),
                                 self.baseline_tmp(size))
        failed = [r for r in recs if not r["ok"]]
        if proc["rc"] or failed or len(recs) < 2:
            why = failed[0]["error"] if failed else proc["stderr"][:200]
            self.record(size=size, repeat=0, group="prepare", step="(prepare)", engine="-", seconds=None,
                        rss_kb=None, ok=False, error=f"preparing the stores failed: {why}", info={})
            self.log(f"  prepare failed: {why}")
        else:
            self.log(f"  prepare: {proc['seconds']:.1f} s")

    def cli_step(self, size: int, repeat: int, group: str, step: str, engine: str, argv: list[str],
                 cache: Path | None = None, info: dict | None = None) -> dict | None:
        """One command as a subprocess, wall time and peak RSS; None when it did not run."""
        stopped = self.timed_out.get(size, {}).get(f"{step}|{engine}")
        if stopped is not None:
            self.record(size=size, repeat=repeat, group=group, step=step, engine=engine, seconds=None,
                        lower_bound=stopped, rss_kb=None, ok=False,
                        error=f"timeout: stopped after {stopped:.0f} s in an earlier repeat, not run again",
                        info={})
            return None
        before = stores_in(cache) if cache is not None else set()
        proc = run_process(argv, self.args.step_timeout, env=clean_env(cache), capture=step == HELP_PROBE)
        ok = proc["rc"] == 0 and not proc["timed_out"]
        error = None
        if proc["timed_out"]:
            error = f"timeout: stopped after {self.args.step_timeout:.0f} s"
            self.timed_out.setdefault(size, {})[f"{step}|{engine}"] = proc["seconds"]
        elif proc["rc"]:
            error = f"exit {proc['rc']}: {proc['stderr'][:200]}"
        extra = dict(info or {})
        extra["stderr_bar"] = proc["bar"]
        if step == HELP_PROBE:
            found = [line for line in proc["stdout"].splitlines() if line.startswith("PROBE ")]
            if found:
                extra["imported"] = json.loads(found[-1][len("PROBE "):])
            elif ok:
                ok, error = False, "the probe printed no PROBE line"
        if cache is not None:
            extra["built"] = len(stores_in(cache) - before)
        self.record(size=size, repeat=repeat, group=group, step=step, engine=engine,
                    seconds=proc["seconds"] if ok else None,
                    lower_bound=proc["seconds"] if proc["timed_out"] else None,
                    rss_kb=proc["rss_kb"], ok=ok, error=error, info=extra)
        return proc

    def cli_centrality(self, size: int, repeat: int, data: str) -> None:
        out = self.work / "centrality.csv"
        started = time.perf_counter()
        new = self.work / f"cache-new-cli-{size_name(size)}-{repeat}"
        shutil.rmtree(new, ignore_errors=True)
        for step, cache in ((CLI_CENTRALITY_COLD, new), (CLI_CENTRALITY, self.warm_cache(size))):
            out.unlink(missing_ok=True)
            argv = cvkg_argv() + ["analyse", "centrality", "--data", data, "--no-shipped",
                                  "--format", "csv", "--output", str(out)]
            self.cli_step(size, repeat, "cli-centrality", step, "project", argv, cache)
        shutil.rmtree(new, ignore_errors=True)
        out.unlink(missing_ok=True)
        self.log(f"  cli-centrality: {time.perf_counter() - started:.1f} s")

    def cli_query(self, size: int, repeat: int, data: str) -> None:
        from clearview_kg.core import catalog

        started = time.perf_counter()
        name = self.args.cli_query
        query = catalog.named_queries().get(name)
        argv = cvkg_argv() + ["query", name, "--data", data, "--no-shipped"]
        if query is not None:
            meta = self.data.get(size, {})
            for p in query.params:
                if not p.optional:
                    argv += ["--param", f"{p.name}=<{meta.get('sample_actor', '')}>"]
        for _ in range(CLI_RUNS):  # short commands: several runs, interleaved, into the median
            self.cli_step(size, repeat, "cli-query", PY_START, "baseline", [sys.executable, "-c", "pass"])
            self.cli_step(size, repeat, "cli-query", PY_OX_START, "baseline",
                          [sys.executable, "-c", "import pyoxigraph"])
            self.cli_step(size, repeat, "cli-query", cli_query_step(name), "project", argv,
                          self.warm_cache(size), info={"query": name})
        self.log(f"  cli-query: {time.perf_counter() - started:.1f} s")

    def cli_start(self, repeat: int) -> None:
        self.loads.append(os.getloadavg()[0])
        for _ in range(CLI_RUNS):
            self.cli_step(0, repeat, "cli", PY_START, "baseline", [sys.executable, "-c", "pass"])
            self.cli_step(0, repeat, "cli", PY_OX_START, "baseline", [sys.executable, "-c", "import pyoxigraph"])
            self.cli_step(0, repeat, "cli", HELP, "project", cvkg_argv() + ["--help"])
        self.cli_step(0, repeat, "cli", HELP_PROBE, "project", [sys.executable, "-c", PROBE, json.dumps(HEAVY)])
        cache = self.work / f"cache-shipped-{repeat}"
        shutil.rmtree(cache, ignore_errors=True)
        for step in (SHIPPED_COLD, SHIPPED_WARM):
            self.cli_step(0, repeat, "cli", step, "project", cvkg_argv() + ["query", "sources"], cache)
        shutil.rmtree(cache, ignore_errors=True)

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
            self.prepare(n, meta["path"], meta["sample_actor"])
            for repeat in range(args.repeat):
                self.log(f"size {n}: repeat {repeat + 1}/{args.repeat}")
                pairs = itertools.zip_longest(PROJECT_GROUPS, BASELINE_GROUPS)
                order = [g for pair in pairs for g in (pair if repeat % 2 == 0 else pair[::-1])
                         if g and self.wanted(g)]
                for group in order:
                    self.group(group, n, repeat, meta["path"], meta["sample_actor"])
            if args.violations and self.wanted("violations"):
                self.log(f"size {n}: validating {args.violations} injected violations")
                bad = self.generate(n, args.violations)
                self.data[n]["violations_file"] = bad["path"]
                self.group("violations", n, 0, bad["path"], bad["sample_actor"])
            if not args.keep:
                shutil.rmtree(self.warm_cache(n), ignore_errors=True)
                shutil.rmtree(self.baseline_tmp(n), ignore_errors=True)
        if self.wanted("cli"):
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
    for dist in ("clearview-kg", "rdflib", "pyshacl", "pyoxigraph", "networkx", "igraph", "click",
                 "matplotlib"):
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
    """(size, step, engine) -> {median, rss, ok, runs, errors, info, infos}."""
    table: dict = {}
    for rec in records:
        key = (rec["size"], rec["step"], rec["engine"])
        row = table.setdefault(key, {"times": [], "rss": [], "runs": 0, "errors": [], "info": {},
                                     "infos": [], "lower": []})
        row["runs"] += 1
        if rec["ok"] and rec["seconds"] is not None:
            row["times"].append(rec["seconds"])
            if rec.get("rss_kb"):
                row["rss"].append(rec["rss_kb"])
            row["info"].update(rec.get("info") or {})
            row["infos"].append(rec.get("info") or {})
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
    """The baseline a project step is compared with in its row (ratio columns)."""
    if engine != "project":
        return None
    if step == "load":
        return ("pyoxigraph bulk_load (on disk)", "baseline")
    if step == "re-open":
        return ("pyoxigraph Store.read_only (re-open)", "baseline")
    if step.startswith("query "):
        return (step, "pyoxigraph")
    if step == "validate":
        return ("pySHACL validate (rdflib)", "baseline")
    if step == "validate (injected violations)":
        return ("pySHACL validate (injected violations)", "baseline")
    if step == "analyse centrality betweenness":
        return ("networkx betweenness (exact)", "baseline")
    return None


def also_of(step: str, engine: str) -> list[tuple[str, str]]:
    """Further baselines of a project step, shown as ratios in its notes."""
    if engine == "project" and step.startswith("query "):
        return [(step, "pyoxigraph-disk")]
    return []


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


def status(met: bool | None, row: str = "") -> str:
    """MET / NOT MET for a goal; within / over for a comparison (COMPARISONS), which is no goal."""
    if met is None:
        return "not measured"
    if row in COMPARISONS:
        return "within" if met else "over"
    return "MET" if met else "NOT MET"


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


def size_label(n: int, sizes: list[int]) -> str:
    if n == 0:
        return "any"
    name = size_name(n)
    return f"**{name}** (the goals' size)" if n == 10 ** 6 else name


def _query_goal(table: dict, n: int, engine: str) -> tuple[str, bool | None]:
    measured, missing = [], []
    for (size, step, eng), row in table.items():
        if size != n or eng != "project" or not step.startswith("query ") or step.startswith("query warm-up"):
            continue
        r, bound = ratio(row, table.get((n, step, engine), {}))
        if r is None:
            missing.append(step[6:])
        else:
            measured.append((r, bound, step[6:]))
    if not measured:
        return "not run", None
    r, bound, name = max(measured)
    best = min(measured)
    within = sum(1 for m in measured if m[0] <= GOAL_QUERY and m[1] != ">")
    text = (f"worst: {name} {ratio_text(r, bound)}; best: {best[2]} {ratio_text(best[0], best[1])}; "
            f"{within} of {len(measured)} within")
    stopped = [m[2] for m in measured if m[1] == ">"]
    if stopped:
        text += f"; stopped: {', '.join(sorted(stopped))}"
    if missing:
        text += f"; not measured: {', '.join(sorted(missing))}"
    return text, (within == len(measured) and not missing)


def goal_rows(table: dict, n: int) -> dict[str, tuple[str, str, bool | None]]:
    """goal -> (measured, target, met) at size n (the size-less goals at n == 0)."""
    rows: dict[str, tuple[str, str, bool | None]] = {}
    if n == 0:
        probe = table.get((0, HELP_PROBE, "project"), {})
        infos = probe.get("infos", [])
        if infos:
            imported = sorted({m for i in infos for m in i.get("imported", [])})
            help_row = table.get((0, HELP, "project"), {})
            rows[G_HELP] = (f"imported: {', '.join(imported) if imported else 'none of ' + ', '.join(HEAVY)}"
                            f"; `cvkg --help` {time_text(help_row)} s", "none imported", not imported)
        else:
            rows[G_HELP] = ("not run", "none imported", None)
        cli = [(key, row) for key, row in table.items() if key[2] == "project"
               and any("stderr_bar" in i for i in row.get("infos", []))]
        drawn = sorted({f"{key[1]} ({size_name(key[0]) if key[0] else 'shipped'})" for key, row in cli
                        if any(i.get("stderr_bar") for i in row["infos"])})
        runs = sum(len(row["infos"]) for _, row in cli)
        if runs:
            rows[G_PIPED] = (f"{runs} command runs with stderr piped: "
                             + (f"bar output from {', '.join(drawn)}" if drawn else "no bar output"),
                             "none", not drawn)
        else:
            rows[G_PIPED] = ("not run", "none", None)
        return rows

    get = lambda step, engine: table.get((n, step, engine), {})  # noqa: E731
    load, bulk = get("load", "project"), get("pyoxigraph bulk_load (on disk)", "baseline")
    r, bound = ratio(load, bulk)
    rows[G_LOAD] = ((f"{time_text(load)} s vs {time_text(bulk)} s = {ratio_text(r, bound)}", f"<= {GOAL_LOAD}x",
                     r <= GOAL_LOAD and bound != ">") if r is not None else
                    ("not run", f"<= {GOAL_LOAD}x", None))
    if load.get("rss_mb") and bulk.get("rss_mb"):
        r = load["rss_mb"] / bulk["rss_mb"]
        rows[G_LOAD_MEM] = (f"{fmt_mb(load['rss_mb'])} MiB vs {fmt_mb(bulk['rss_mb'])} MiB = {fmt_ratio(r)}",
                            f"<= {GOAL_LOAD_MEM}x", r <= GOAL_LOAD_MEM)
    else:
        rows[G_LOAD_MEM] = ("not run", f"<= {GOAL_LOAD_MEM}x", None)
    # For comparison (COMPARISONS): the same load against pyoxigraph in memory.
    memory = get("pyoxigraph Store.load (in-memory)", "baseline")
    r, bound = ratio(load, memory)
    if r is not None and load.get("rss_mb") and memory.get("rss_mb"):
        r_mem = load["rss_mb"] / memory["rss_mb"]
        rows[C_LOAD_INMEM] = (f"{time_text(load)} s vs {time_text(memory)} s = {ratio_text(r, bound)}; "
                              f"{fmt_mb(load['rss_mb'])} MiB vs {fmt_mb(memory['rss_mb'])} MiB = {fmt_ratio(r_mem)}",
                              f"<= {GOAL_LOAD}x", r <= GOAL_LOAD and bound != ">" and r_mem <= GOAL_LOAD_MEM)
    else:
        rows[C_LOAD_INMEM] = ("not run", f"<= {GOAL_LOAD}x", None)
    text, met = _query_goal(table, n, "pyoxigraph")
    rows[C_QUERY_MEM] = (text, f"<= {GOAL_QUERY}x", met)
    text, met = _query_goal(table, n, "pyoxigraph-disk")
    rows[G_QUERY_DISK] = (text, f"<= {GOAL_QUERY}x", met)

    # (c) re-open: the warm commands and the re-open step built no store
    reopen = get("re-open", "project")
    warm = [row for (size, step, engine), row in table.items() if size == n and engine == "project"
            and (step == "re-open" or step.endswith("(warm store)"))]
    built = sum(i.get("built", 0) for row in warm for i in row.get("infos", []))
    checked = sum(1 for row in warm for i in row.get("infos", []) if "built" in i)
    if reopen.get("median") is not None and checked:
        r, _ = ratio(reopen, load)
        rows[G_REOPEN] = (f"re-open {time_text(reopen)} s (load {time_text(load)} s"
                          + (f", {fmt_ratio(r)} of it" if r is not None else "") + f"); stores built by "
                          f"{checked} warm runs: {built}", "no store built", built == 0)
    else:
        rows[G_REOPEN] = ("not run", "no store built", None)

    # (c) cvkg query, warm, against interpreter start + the query on pyoxigraph
    cli = next(((step, row) for (size, step, engine), row in table.items() if size == n
                and engine == "project" and step.startswith("cvkg query ") and step.endswith("(warm store)")), None)
    start, plain = get(PY_OX_START, "baseline"), get(PY_START, "baseline")
    if cli and cli[1].get("median") is not None and start.get("median") is not None:
        name = cli[1]["info"].get("query", cli[0].split()[2])
        query, where = get(f"query {name}", "pyoxigraph-disk"), "on disk"
        if query.get("median") is None:
            query, where = get(f"query {name}", "pyoxigraph"), "in memory"
        if query.get("median") is not None:
            floor = start["median"] + query["median"]
            r = cli[1]["median"] / floor
            rows[G_CLI_QUERY] = (f"`cvkg query {name}` {fmt_s(cli[1]['median'])} s vs start "
                                 f"{fmt_s(start['median'])} s (`python -c pass` {fmt_s(plain.get('median'))} s) "
                                 f"+ pyoxigraph query ({where}) {fmt_s(query['median'])} s = {fmt_ratio(r)}",
                                 f"<= {GOAL_CLI_QUERY}x", r <= GOAL_CLI_QUERY)
    rows.setdefault(G_CLI_QUERY, ("not run", f"<= {GOAL_CLI_QUERY}x", None))

    # (d) validation: speed-up on the generated data, same violations on the injected copy
    val, oracle = get("validate", "project"), get("pySHACL validate (rdflib)", "baseline")
    r, bound = ratio(oracle, val)  # the speed-up: baseline / project
    check = get("pySHACL validate (injected violations)", "baseline")
    same = check.get("info", {}).get("same_as_project") if check.get("ok") else None
    project_check = get("validate (injected violations)", "project")
    if same is None:
        same_text = "same violations: not checked"
    else:
        i = check["info"]
        same_text = (f"same violations as pySHACL on a copy with {i.get('violations')} injected: "
                     + ("yes" if same else f"NO (only project: {i.get('only_project')}, "
                                           f"only pySHACL: {i.get('only_pyshacl')})")
                     + f", {project_check.get('info', {}).get('found', '?')} results")
    if r is not None:
        fast = r >= GOAL_VALIDATE and bound != "<"
        met = False if (not fast or same is False) else (True if same else None)
        rows[G_VALIDATE] = (f"{time_text(val)} s vs {time_text(oracle)} s: {ratio_text(r, bound)} faster; "
                            + same_text, f">= {GOAL_VALIDATE:.0f}x, identical", met)
    else:
        rows[G_VALIDATE] = ("not run; " + same_text, f">= {GOAL_VALIDATE:.0f}x, identical",
                            False if same is False else None)

    # (e) centrality end to end, with a new store and with a warm one
    parts, met = [], None
    for step, label in ((CLI_CENTRALITY_COLD, "new store"), (CLI_CENTRALITY, "warm store")):
        value, bnd = seconds(get(step, "project"))
        if value is None:
            continue
        parts.append(f"{time_text(get(step, 'project'))} s ({label})")
        ok = value <= GOAL_CENTRALITY and not bnd
        met = ok if met is None else (met and ok)
    rows[G_CENTRALITY] = ("; ".join(parts) if parts else "not run", f"<= {GOAL_CENTRALITY:.0f} s", met)

    # (f) memory: every project step's peak against pyoxigraph bulk_load's
    if bulk.get("rss_mb"):
        steps = sorted(((row["rss_mb"], step) for (size, step, engine), row in table.items()
                        if size == n and engine == "project" and row.get("rss_mb")), reverse=True)
        limit = bulk["rss_mb"] * GOAL_LOAD_MEM
        over = [(mb, step) for mb, step in steps if mb > limit]
        if steps:
            text = (f"{len(steps) - len(over)} of {len(steps)} within {fmt_mb(limit)} MiB "
                    f"({GOAL_LOAD_MEM}x {fmt_mb(bulk['rss_mb'])} MiB)")
            if over:
                text += "; over: " + ", ".join(f"{step} {fmt_mb(mb)} MiB" for mb, step in over[:4])
                text += f" (+{len(over) - 4} more)" if len(over) > 4 else ""
            else:
                text += f"; largest: {steps[0][1]} {fmt_mb(steps[0][0])} MiB"
            rows[G_MEMORY] = (text, f"<= {GOAL_LOAD_MEM}x", not over)
    rows.setdefault(G_MEMORY, ("not run", f"<= {GOAL_LOAD_MEM}x", None))
    return rows


def goals(table: dict, sizes: list[int], which: list[str] | None = None) -> list[list[str]]:
    """One row per goal and size (goals that do not depend on the size: one row). ``which``:
    the rows to make (GOALS, or COMPARISONS, whose status says "within" or "over")."""
    which = GOALS if which is None else which
    per_size = {n: goal_rows(table, n) for n in sizes}
    sizeless = goal_rows(table, 0)
    rows = []
    for goal in which:
        if goal in SIZELESS_GOALS:
            measured, target, met = sizeless[goal]
            rows.append([goal, "any", measured, target, status(met, goal)])
            continue
        for n in sizes:
            measured, target, met = per_size[n][goal]
            rows.append([goal, size_label(n, sizes), measured, target, status(met, goal)])
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
    if args.cli_query != "fines":
        parts.append(f"--cli-query {args.cli_query}")
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
                       for step, engine in (("load", "project"), ("re-open", "project"),
                                            ("rdflib Graph.parse", "baseline"),
                                            ("pyoxigraph Store.load (in-memory)", "baseline"))
                       if table.get((n, step, engine), {}).get("info", {}).get("triples")), "-")
        rows.append([size_name(n), meta.get("triples", "-"), loaded, meta.get("sagas", "-"),
                     meta.get("sources", "-"), actions, actors, counts.get("Derivation", "-"),
                     f"{graph.get('nodes', '-')} / {graph.get('edges', '-')}",
                     fmt_s(meta.get("seconds"))])
    return rows


def _notes(table: dict, n: int, step: str, engine: str, row: dict, base: dict, ratio_s, bound) -> list[str]:
    notes = []
    info = row["info"]
    for field in ("triples", "rows", "conforms", "results", "found", "nodes", "edges", "bytes", "built",
                  "graphs", "whole graph", "triples sent", "requests"):
        if field in info:
            notes.append(f"{field} {info[field]}")
    if "top_k_agree" in info:
        notes.append(f"project's top-{info['top_k']} betweenness: {info['top_k_agree']} in the exact "
                     f"top-{info['top_k']}, order " + ("consistent" if info["top_k_order_consistent"]
                                                       else "NOT consistent") + " with exact")
    base_info = base.get("info", {})
    if step == "validate" and base_info.get("conforms") is not None:
        notes.append(f"pySHACL conforms {base_info['conforms']}")
    if step.startswith("query ") and base_info.get("rows") is not None \
            and info.get("rows") is not None and base_info["rows"] != info["rows"]:
        notes.append(f"ROW COUNT DIFFERS: pyoxigraph gives {base_info['rows']}")
    for other in also_of(step, engine):
        o = table.get((n,) + other, {})
        r, b = ratio(row, o)
        if r is not None:
            notes.append(f"{ratio_text(r, b)} of pyoxigraph on disk ({time_text(o)} s)")
        if o.get("info", {}).get("rows") is not None and info.get("rows") is not None \
                and o["info"]["rows"] != info["rows"]:
            notes.append(f"ROW COUNT DIFFERS: pyoxigraph on disk gives {o['info']['rows']}")
    if step == "load" and row.get("median"):
        for other, label in (("rdflib Graph.parse", "rdflib parse"),
                             ("pyoxigraph Store.load (in-memory)", "pyoxigraph in-memory")):
            o = table.get((n, other, "baseline"), {})
            if o.get("median"):
                notes.append(f"{fmt_ratio(row['median'] / o['median'])} of {label}")
    if step.startswith("validate") and ratio_s:
        flipped = {">": "<", "<": ">"}.get(bound, "")
        notes.append(f"speed-up over pySHACL {ratio_text(1 / ratio_s, flipped)}")
    if step == "validate (injected violations)" and base_info.get("same_as_project") is not None:
        notes.append("same violations as pySHACL" if base_info["same_as_project"] else
                     f"NOT the same as pySHACL: only project {base_info.get('only_project')}, "
                     f"only pySHACL {base_info.get('only_pyshacl')}")
    if info.get("stderr_bar"):
        notes.append("progress output on a piped stderr")
    for message in dict.fromkeys(m for i in row.get("infos", []) for m in i.get("log", [])):
        notes.append(f"logged: {message}")
    if row["errors"]:
        notes.append(row["errors"][0])
    if base.get("errors"):
        notes.append("baseline: " + base["errors"][0])
    return notes


def size_rows(table: dict, n: int) -> list[list[str]]:
    """One row per project step (with its baseline beside it) and per unpaired baseline step."""
    order = {name: i for i, name in enumerate(STEP_ORDER)}
    project_keys = [k for k in table if k[0] == n and k[2] == "project"]
    paired = {(n,) + b for (_, step, engine) in project_keys
              for b in [baseline_of(step, engine)] + also_of(step, engine) if b}
    keys = [k for k in table if k[0] == n and k not in paired]

    def sort_key(key):
        step = key[1]
        if step.startswith("query warm-up"):
            base = "query"
        elif step.startswith(("query ", "export ")):
            base = step.split(" ")[0]
        elif step.startswith("cvkg query "):
            base = "cvkg query"
        else:
            base = step
        return (order.get(base, order.get(step, 99)), not step.startswith("query warm-up"), step, key[2])

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
        notes = _notes(table, n, step, engine, row, base, ratio_s, bound)
        base_name = "-"
        if base_key:
            base_name = "same query, pyoxigraph in memory" if step.startswith("query ") else base_key[0]
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
              "it includes the loaded graph and the imported modules, since the step runs in that "
              "process; see benchmarks/_worker.py). Each group of steps ran in a fresh process; "
              "project and baseline groups were interleaved, their order reversed on every other "
              "repeat. Ratios are project / baseline: below 1 the project is faster or smaller. The "
              "project's steps run on the store every command opens (an Oxigraph store on disk in "
              "the store cache): `load` builds it in an empty cache, every other project step "
              "re-opens it in a fresh process. Baseline queries on pyoxigraph read every value of "
              "every row (`[tuple(s) for s in solutions]`), since the project converts every value "
              "to an rdflib term; each query side runs the first named query once before the timed "
              "queries (the `query warm-up` row: one-time costs of a process). The machine is "
              "shared: where the load average exceeds the number of cores, other processes "
              "competed for the CPU, so single numbers can be off by tens of percent; the ratios, "
              "measured interleaved, suffer less.", ""]
    info = runs[-1]["machine"] if runs else machine()
    lines += ["## Machine", ""]
    lines += [f"- CPU: {info['cpu']}, {info['nproc']} cores (nproc)",
              f"- Memory: {info['memory_gib']} GiB; Linux {info['kernel']}",
              f"- Python {info['python']}; " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
              ""]

    lines += ["## Goals of the issue, as measured", ""]
    lines += markdown_table(["goal", "size", "measured", "target", "status"], goals(table, sizes))
    lines += ["", f"The goals are stated at 10^6 triples: the rows at that size decide; smaller sizes "
                  f"show the trend. The tolerance of `cvkg query` against interpreter start + query "
                  f"time ({GOAL_CLI_QUERY}x) is this runner's, the issue gives none."]
    if sizes and max(sizes) < 10 ** 6:
        lines += ["", f"This report goes up to {size_name(max(sizes))}: there is no verdict at 10^6 in it."]
    lines += ["", "## For comparison, not goals: pyoxigraph in memory", "",
              "The same load and named queries against pyoxigraph's in-memory store. It has no "
              "persistent form, so it cannot meet goal (c): every command would parse the graph "
              "again. Goals (a) and (b) are measured against pyoxigraph on the store the project "
              "uses (docs/scale.md, \"The baseline of goals (a) and (b)\"); these rows show what "
              "persistence costs.", ""]
    lines += markdown_table(["comparison", "size", "measured", "ratio of the goals", "status"],
                            goals(table, sizes, COMPARISONS))
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
                base = table.get((n, "pySHACL validate (injected violations)", "baseline"), {})
                b = base.get("info", {})
                if base.get("ok"):
                    verdict += ("; pySHACL found exactly the same" if b.get("same_as_project") else
                                f"; pySHACL DIFFERS: only project {b.get('only_project')}, "
                                f"only pySHACL {b.get('only_pyshacl')}")
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
            notes = []
            if step == HELP_PROBE and row["infos"]:
                imported = sorted({m for i in row["infos"] for m in i.get("imported", [])})
                notes.append("heavy modules imported: " + (", ".join(imported) if imported else "none"))
            if "built" in row["info"]:
                notes.append(f"stores built {sum(i.get('built', 0) for i in row['infos'])}")
            if row["errors"]:
                notes.append(row["errors"][0])
            rows.append([step, engine, fmt_s(row["median"]), fmt_mb(row["rss_mb"]),
                         f"{row['ok']}/{row['runs']}", "; ".join(notes)])
        lines += markdown_table(["command", "kind", "median s (wall)", "peak MiB", "ok/runs", "notes"], rows)
        lines += [""]
    text = "\n".join(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text


STEP_ORDER = [
    "generate", "(prepare)", "load", "pyoxigraph bulk_load (on disk)", "rdflib Graph.parse",
    "pyoxigraph Store.load (in-memory)", "re-open", "pyoxigraph Store.read_only (re-open)",
    "query", "cvkg query", PY_START, PY_OX_START, "validate", "pySHACL validate (rdflib)",
    "actor graph", "analyse centrality degree", "analyse centrality weighted_degree",
    "analyse centrality eigenvector", "analyse centrality pagerank",
    "analyse centrality betweenness", "networkx betweenness (exact)", CLI_CENTRALITY_COLD,
    CLI_CENTRALITY, "analyse communities greedy", "analyse communities louvain",
    "analyse components", "analyse stats", "analyse evolution", "export", _worker.PUSH,
    "validate (injected violations)", "pySHACL validate (injected violations)",
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
                        help="only these groups (comma-separated): " + ", ".join(ALL_GROUPS))
    parser.add_argument("--cli-query", default="fines",
                        help="the named query of `cvkg query NAME --data FILE` at each size (default fines)")
    parser.add_argument("--merge", action="append", default=[],
                        help="add the sizes of an earlier run's --json file to the report (repeatable)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: write the report from the --merge files")
    parser.add_argument("--workdir", default=None, help="where data and scratch files go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and stores")
    parser.add_argument("--step-timeout", type=float, default=1800.0, help="seconds per step (default 1800)")
    parser.add_argument("--group-timeout", type=float, default=7200.0, help="seconds per process (default 7200)")
    parser.add_argument("--betweenness-budget", type=float, default=600.0,
                        help="skip networkx exact betweenness when it is estimated to take longer (default 600 s)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.groups = [g for g in args.groups.split(",") if g.strip()]
    unknown = set(args.groups) - set(ALL_GROUPS)
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
