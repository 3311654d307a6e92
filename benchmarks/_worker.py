#!/usr/bin/env python3
"""One benchmark process: runs one group of steps and appends a JSON line per step.

Called by benchmarks/run.py, never by hand (but it can be, to debug one group):

    python benchmarks/_worker.py GROUP --data FILE.ttl --results OUT.jsonl --tmp DIR --cache DIR

A group opens what its steps need (untimed unless opening is the step), then times each step
on its own. Each line: ``{"step", "engine", "seconds", "rss_kb", "ok", "error", "info"}``.
``rss_kb`` is the peak resident set size during the step: the kernel's high-water mark
(VmHWM) is reset before the step (``/proc/self/clear_refs``) and read after it, so it counts
what the process already held (the open store, the imported modules) plus what the step added.
Where the reset is refused, it is the peak of the process so far (``ru_maxrss``) and
``info.rss`` says so. What the project logs during a step (INFO and up, e.g. validation
falling back to pySHACL) is kept in ``info.log``.

The project's store is the one every command opens: ``store.open_store(Source(...))``, an
on-disk Oxigraph store kept in ``$CVKG_CACHE_DIR`` (``--cache``: run.py gives the load group an
empty folder, so that it builds the store, and the other project groups a folder it has filled
before, so that they re-open it as a second command would). Only public functions of
``clearview_kg.core`` are called (and, for the exports, the function ``cvkg export`` itself uses),
so that the numbers are what the commands pay; the baselines call rdflib, pyoxigraph, pySHACL and
networkx directly. pyoxigraph's query results are read in full (``[tuple(s) for s in
solutions]``: every value of every row), since the project converts every value to an rdflib
term. A step that raises is recorded with its one-line error and the group goes on; a step that
runs longer than ``--step-timeout`` seconds is interrupted (SIGALRM) and recorded as a timeout.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import resource
import shutil
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path


class StepTimeout(BaseException):
    """Raised by SIGALRM in a step that runs too long. A BaseException, so that the project's
    own ``except Exception`` (which turns errors into one-line messages) lets it through."""


def _alarm(signum, frame):  # noqa: ARG001
    raise StepTimeout()


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _peak_kb() -> int:
    try:
        with open("/proc/self/status") as handle:
            match = re.search(r"VmHWM:\s+(\d+)\s+kB", handle.read())
        if match:
            return int(match.group(1))
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _Messages(logging.Handler):
    """What the project logs during a step (e.g. validation falling back to pySHACL)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = " ".join(record.getMessage().split())
        if text not in self.messages:
            self.messages.append(text[:300])


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Recorder:
    def __init__(self, path: Path, step_timeout: float, skip: dict | None = None):
        self.path = path
        self.step_timeout = step_timeout
        self.skip = skip or {}  # "step|engine" -> seconds it ran before it was stopped
        signal.signal(signal.SIGALRM, _alarm)

    def write(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")

    def step(self, name: str, engine: str, func, *args, timeout: float | None = None, **kwargs):
        """Run func(*args, **kwargs) as one measured step; return its value (None if failed).
        A func may return ``(value, info_dict)``: the dict goes into the record's ``info``."""
        stopped = self.skip.get(f"{name}|{engine}")
        if stopped is not None:
            self.write({"step": name, "engine": engine, "seconds": None, "rss_kb": None, "ok": False,
                        "error": f"timeout: stopped after {stopped:.0f} s in an earlier repeat, not run again",
                        "lower_bound": stopped, "info": {}})
            return None
        gc.collect()
        reset = _reset_peak()
        info: dict = {}
        if not reset:
            info["rss"] = "process peak (VmHWM reset refused)"
        value = None
        ok, error, lower = True, None, None
        limit = self.step_timeout if timeout is None else timeout
        logger = logging.getLogger("clearview_kg")
        messages, level = _Messages(), logger.level
        logger.addHandler(messages)
        logger.setLevel(logging.INFO)
        started = time.perf_counter()
        try:
            if limit:
                signal.setitimer(signal.ITIMER_REAL, limit)
            value = func(*args, **kwargs)
        except StepTimeout:
            ok, error, lower = False, f"timeout: stopped after {limit:.0f} s", limit
        except Exception as exc:  # noqa: BLE001 - a failed step is a result, not a crash
            ok, error = False, one_line(exc)
            if os.environ.get("CVKG_BENCH_DEBUG"):
                traceback.print_exc()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = time.perf_counter() - started
        logger.removeHandler(messages)
        logger.setLevel(level)
        if messages.messages:
            info["log"] = messages.messages[:3]
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
            value, extra = value
            info.update(extra)
        self.write({"step": name, "engine": engine, "seconds": seconds if ok else None,
                    "rss_kb": _peak_kb(), "ok": ok, "error": error, "lower_bound": lower, "info": info})
        return value if ok else None

    def fail(self, name: str, engine: str, error: str) -> None:
        self.write({"step": name, "engine": engine, "seconds": None, "rss_kb": None,
                    "ok": False, "error": error, "info": {}})


# --- helpers --------------------------------------------------------------------------------


def ontology_paths() -> list[str]:
    from clearview_kg.core import resources

    return [str(f.resource) for f in resources.ontology_files()]


def shapes_text() -> str:
    from clearview_kg.core import resources

    return "\n".join(f.read_text() for f in resources.shapes_files())


def named_queries() -> dict:
    from clearview_kg.core import catalog

    return catalog.named_queries()


def _stores_in_cache() -> set[str]:
    folder = Path(os.environ.get("CVKG_CACHE_DIR", "")) / "stores"
    try:
        return {p.name for p in folder.iterdir() if not p.name.startswith("building-")}
    except OSError:
        return set()


def project_open(data: str):
    """What every command does first: open the store of the ontology and ``data`` (no shipped
    facts). Built into $CVKG_CACHE_DIR when it is not there yet, else re-opened; ``built`` says
    how many new stores appeared in the cache (1: the files were parsed; 0: re-opened)."""
    from clearview_kg.core import store
    from clearview_kg.core.source import Source

    before = _stores_in_cache()
    st = store.open_store(Source(data=(data,), include_shipped=False))
    built = len(_stores_in_cache() - before)
    return st, {"triples": st.triple_count(), "built": built, "store": type(st).__name__}


def project_query(st, query, actor: str):
    from clearview_kg.core import catalog, store

    raw = [f"{p.name}=<{actor}>" for p in query.params if not p.optional]
    params = catalog.bind_params(query, raw)
    result = store.run(st, query.text, params, query.name)
    rows = getattr(result, "rows", None)
    return result, {"rows": len(rows) if rows is not None else None}


def with_values(text: str, params, actor: str) -> str:
    """The query with its required parameters bound by a VALUES block at the start of the
    outer WHERE (pyoxigraph's ``substitutions`` wants the variable in the projection)."""
    names = [p.name for p in params if not p.optional]
    if not names:
        return text
    match = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if match is None:
        raise ValueError("no WHERE { to bind the parameters in")
    values = " ".join(f"VALUES ?{name} {{ <{actor}> }}" for name in names)
    return text[: match.end()] + " " + values + " " + text[match.end():]


def oxigraph_query(ox_store, query, actor: str):
    """A named query on pyoxigraph directly, every value of every row read."""
    import pyoxigraph as ox

    result = ox_store.query(with_values(query.text, query.params, actor))
    if isinstance(result, ox.QuerySolutions):
        rows = [tuple(solution) for solution in result]
        return None, {"rows": len(rows)}
    if isinstance(result, ox.QueryBoolean):
        return None, {"rows": None}
    return None, {"rows": len(list(result))}


def oxigraph_queries(rec: Recorder, ox_store, engine: str, actor: str, failed: str | None) -> None:
    """The warm-up (the first named query once) and then every named query, timed."""
    queries = named_queries()
    if failed:
        for name in [WARM_UP] + [f"query {n}" for n in queries]:
            rec.fail(name, engine, failed)
        return
    first = next(iter(queries.values()))
    rec.step(WARM_UP, engine, oxigraph_query, ox_store, first, actor)
    for name, query in queries.items():
        rec.step(f"query {name}", engine, oxigraph_query, ox_store, query, actor)


# Comparing validation results: (focus, path, constraint component, shape) with blank nodes
# as "_:blank" and IRIs compacted; the project's text (core.validation.Result) and pySHACL's
# results graph are brought to the same form.


def _compact(text: str) -> str:
    from clearview_kg.core.namespaces import compact

    return compact(text)


def _blank_text(text: str | None) -> bool:
    return not text or text.startswith(("_:", "("))


def project_key(result) -> tuple:
    focus = "_:blank" if _blank_text(result.focus) else _compact(str(result.focus))
    shape = result.source_shape or ""
    shape = "_:blank" if (" " in shape or _blank_text(shape)) else _compact(shape)
    return (focus, result.path or "", _compact(str(result.component or "")), shape)


def _path_text(graph, path) -> str:
    """A SHACL property path as the project writes it (cv:agent, ^org:holds, (a|b), a/b): the
    project's own function, so that pySHACL's paths compare with the project's."""
    from clearview_kg.core.shacl_sparql import path_text

    return path_text(graph, path)


def pyshacl_keys(results) -> Counter:
    """The violations of pySHACL's results graph (top-level sh:result only, as the project
    reports them), as comparison keys."""
    from rdflib import BNode, URIRef
    from rdflib.namespace import RDF

    from clearview_kg.core.namespaces import SH

    keys: Counter = Counter()
    for report in results.subjects(RDF.type, SH.ValidationReport):
        for node in results.objects(report, SH.result):
            if results.value(node, SH.resultSeverity) not in (None, SH.Violation):
                continue
            focus = results.value(node, SH.focusNode)
            path = results.value(node, SH.resultPath)
            shape = results.value(node, SH.sourceShape)
            component = results.value(node, SH.sourceConstraintComponent)
            keys[("_:blank" if isinstance(focus, BNode) else _compact(str(focus)),
                  _path_text(results, path) if path is not None else "",
                  _compact(str(component or "")),
                  _compact(str(shape)) if isinstance(shape, URIRef) else "_:blank")] += 1
    return keys


def run_pyshacl(data):
    """pySHACL on an rdflib graph with the packaged shapes, as the shapes file says to run it."""
    import pyshacl
    import rdflib

    shapes = rdflib.Graph()
    shapes.parse(data=shapes_text(), format="turtle")
    return pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=False,
        js=False, do_owl_imports=False, abort_on_first=False, allow_infos=True,
        allow_warnings=True, meta_shacl=False, inplace=False)


def rdflib_graph(data: str):
    import rdflib

    graph = rdflib.Graph()
    for path in ontology_paths() + [data]:
        graph.parse(path, format="turtle")
    return graph


# --- groups ---------------------------------------------------------------------------------


def group_prepare(rec: Recorder, args) -> None:
    """Not measured: fill the warm cache (--cache) with the project's store and build the
    pyoxigraph on-disk store (--tmp/oxigraph-store) that the re-open groups open."""
    import pyoxigraph as ox

    rec.step("(prepare) project store", "-", project_open, args.data)
    location = Path(args.tmp) / "oxigraph-store"
    if not (location / "BUILT").exists():
        shutil.rmtree(location, ignore_errors=True)
        location.parent.mkdir(parents=True, exist_ok=True)

        def build():
            store = ox.Store(str(location))
            for path in ontology_paths() + [args.data]:
                store.bulk_load(path=path, format=ox.RdfFormat.TURTLE)
            store.flush()
            (location / "BUILT").write_text("")

        rec.step("(prepare) pyoxigraph store", "-", build)


def group_project_load(rec: Recorder, args) -> None:
    from clearview_kg.core import store  # noqa: F401 - imported before the clock starts
    from clearview_kg.core.source import Source  # noqa: F401

    rec.step("load", "project", project_open, args.data)


def group_project_reopen(rec: Recorder, args) -> None:
    from clearview_kg.core import store  # noqa: F401 - imported before the clock starts
    from clearview_kg.core.source import Source  # noqa: F401

    rec.step("re-open", "project", project_open, args.data)


def group_project_queries(rec: Recorder, args) -> None:
    st = project_open(args.data)[0]
    queries = named_queries()
    first = next(iter(queries.values()))
    rec.step(WARM_UP, "project", project_query, st, first, args.actor)
    for name, query in queries.items():
        rec.step(f"query {name}", "project", project_query, st, query, args.actor)


def group_project_validate(rec: Recorder, args) -> None:
    from clearview_kg.core import validation

    st = project_open(args.data)[0]

    def run():
        report = validation.validate(st)
        return report, {"conforms": report.conforms, "results": len(report.results)}

    rec.step("validate", "project", run)


def group_violations(rec: Recorder, args) -> None:
    """Validate the data with injected violations with the project and with pySHACL; compare
    both with the generator's list and with each other."""
    from clearview_kg.core import validation

    expected_doc = json.loads(Path(args.data).with_suffix(".violations.json").read_text())
    want = Counter((("_:blank" if _blank_text(e["focus"]) else _compact(e["focus"])),
                    _compact(e["shape"]), _compact(e["component"]))
                   for v in expected_doc["violations"] for e in v["expected"])

    def triples(keys: Counter) -> Counter:  # without the path, which the sidecar does not give
        out: Counter = Counter()
        for (focus, _path, component, shape), n in keys.items():
            out[(focus, shape, component)] += n
        return out

    def check(got: Counter) -> dict:
        missing, extra = want - triples(got), triples(got) - want
        return {"violations": len(expected_doc["violations"]), "expected": sum(want.values()),
                "found": sum(got.values()), "missing": sorted(map(list, missing)),
                "extra": sorted(map(list, extra))[:20], "exact": not missing and not extra}

    found: dict[str, Counter] = {}
    st = project_open(args.data)[0]

    def project():
        report = validation.validate(st)
        found["project"] = Counter(project_key(r) for r in report.violations)
        return report, check(found["project"])

    rec.step("validate (injected violations)", "project", project)
    del st
    data = rdflib_graph(args.data)

    def baseline():
        conforms, results, _text = run_pyshacl(data)
        found["pyshacl"] = pyshacl_keys(results)
        info = check(found["pyshacl"])
        info["conforms"] = bool(conforms)
        if "project" in found:
            only_project = found["project"] - found["pyshacl"]
            only_pyshacl = found["pyshacl"] - found["project"]
            info["same_as_project"] = not only_project and not only_pyshacl
            info["only_project"] = sorted(map(list, only_project))[:10]
            info["only_pyshacl"] = sorted(map(list, only_pyshacl))[:10]
        return None, info

    rec.step("pySHACL validate (injected violations)", "baseline", baseline)


def _top_agreement(rows: list[dict], exact: dict, k: int = 20) -> dict:
    """How the project's betweenness ranking agrees with exact betweenness on the top k:
    how many of its top k are in the exact top k (ties at the k-th value count as in), and
    whether its order never puts a lower exact value before a higher one."""
    if not rows or not exact:
        return {}
    top = [str(r["actor"]) for r in rows[:k]]
    values = sorted(exact.values(), reverse=True)
    threshold = values[min(k, len(values)) - 1] - 1e-9
    inside = sum(1 for actor in top if exact.get(actor, -1.0) >= threshold)
    ordered = all(exact.get(a, 0.0) >= exact.get(b, 0.0) - 1e-9 for a, b in zip(top, top[1:]))
    return {"top_k": len(top), "top_k_agree": inside, "top_k_order_consistent": ordered}


def group_project_network(rec: Recorder, args) -> None:
    from clearview_kg.core import analysis, network

    graph = project_open(args.data)[0].graph()

    def derive():
        G = network.actor_graph(graph)
        return G, {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}

    G = rec.step("actor graph", "project", derive)
    functions = [
        lambda: analysis.centrality(G, "degree"),
        lambda: analysis.centrality(G, "weighted_degree"),
        lambda: analysis.centrality(G, "eigenvector"),
        lambda: analysis.centrality(G, "pagerank"),
        lambda: analysis.communities(G, "greedy"),
        lambda: analysis.communities(G, "louvain", 1),
        lambda: analysis.components(G),
        lambda: analysis.stats(G),
        lambda: analysis.evolution(graph),  # as `cvkg analyse evolution`: derives from the RDF
    ]
    for name, func in zip(ANALYSES, functions):
        if G is None:
            rec.fail(name, "project", "skipped: the actor graph step failed")
        else:
            rec.step(name, "project", func)

    if G is None:
        rec.fail("analyse centrality betweenness", "project", "skipped: the actor graph step failed")
        rec.fail("networkx betweenness (exact)", "baseline", "skipped: the actor graph step failed")
        return
    # The project's betweenness always runs (it is what `cvkg analyse centrality` computes);
    # networkx's exact betweenness, the baseline, only where feasible.
    rows = rec.step("analyse centrality betweenness", "project", analysis.centrality, G, "betweenness")

    import networkx as nx

    n = G.number_of_nodes()
    k = min(n, 32)
    estimate = 0.0
    if n > k:
        started = time.perf_counter()
        nx.betweenness_centrality(G, k=k, seed=1)
        estimate = (time.perf_counter() - started) * n / k
    if estimate > args.betweenness_budget:
        rec.fail("networkx betweenness (exact)", "baseline",
                 f"skipped: exact betweenness infeasible here, estimated {estimate:.0f} s on {n} "
                 f"actors (> --betweenness-budget {args.betweenness_budget:.0f} s; {k}-sample timing x n/k)")
        return

    def exact():
        values = nx.betweenness_centrality(G, normalized=True)
        return values, _top_agreement(rows or [], values)

    rec.step("networkx betweenness (exact)", "baseline", exact)


def group_project_exports(rec: Recorder, args) -> None:
    """Every export, produced by the function `cvkg export` runs (cli.export_cmd.produce), on
    the store's graph, written to the temp folder."""
    from clearview_kg.cli import export_cmd
    from clearview_kg.core import network

    graph = project_open(args.data)[0].graph()
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    flt = network.NetworkFilter()

    def export(fmt: str):
        size = 0
        for i, part in enumerate(export_cmd.produce(fmt, graph, flt, "actors", False, fetched=True)):
            path = tmp / f"export-{i}.{fmt}"
            with open(path, "wb") as handle:
                export_cmd.write_part(handle, part)  # bytes, or chunks written as they come
            size += path.stat().st_size
        return None, {"bytes": size}

    for fmt in export_cmd.FORMATS:
        rec.step(f"export {fmt}", "project", export, fmt)
    shutil.rmtree(tmp, ignore_errors=True)


PUSH = "push (to an Oxigraph server)"


def oxigraph_server(folder: Path):
    """``oxigraph serve`` (the binary of the ``oxigraph`` package, in the test extra) on a free
    loopback port with its data in ``folder``: (process, query endpoint URL)."""
    import socket
    import subprocess
    import urllib.request

    beside = Path(sys.executable).with_name("oxigraph")
    binary = str(beside) if beside.exists() else shutil.which("oxigraph")
    if binary is None:
        raise RuntimeError("no oxigraph binary: pip install oxigraph (it is in the project's [test] extra)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=5).close()
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("oxigraph serve did not start") from None
            time.sleep(0.1)


def group_project_push(rec: Recorder, args) -> None:
    """`cvkg push` through the function the command runs (core.store.push) from the project's
    store to a new Oxigraph server: the whole graph and one graph per source. The server is
    started before the store is opened (no fork of a process holding RocksDB's threads) and is
    not part of the step's memory."""
    from clearview_kg.core import store

    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    server, url = oxigraph_server(tmp / "oxigraph-server")
    try:
        st = project_open(args.data)[0]

        def push():
            report = store.push(st, url)
            triples = [row["triples"] for row in report.graphs]
            return None, {"graphs": len(triples), "whole graph": triples[0] if triples else 0,
                          "triples sent": sum(triples), "requests": sum(r["requests"] for r in report.graphs)}

        rec.step(PUSH, "project", push)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except Exception:  # noqa: BLE001 - a server that does not stop is killed
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def group_rdflib_parse(rec: Recorder, args) -> None:
    import rdflib  # noqa: F401 - imported before the clock starts

    def parse():
        graph = rdflib_graph(args.data)
        return graph, {"triples": len(graph)}

    rec.step("rdflib Graph.parse", "baseline", parse)


def group_oxigraph_memory(rec: Recorder, args) -> None:
    import pyoxigraph as ox

    def load():
        store = ox.Store()
        for path in ontology_paths() + [args.data]:
            store.load(path=path, format=ox.RdfFormat.TURTLE)
        return store, {"triples": len(store)}

    store = rec.step("pyoxigraph Store.load (in-memory)", "baseline", load)
    oxigraph_queries(rec, store, "pyoxigraph", args.actor,
                     None if store is not None else "skipped: the pyoxigraph load failed")


def group_oxigraph_bulk(rec: Recorder, args) -> None:
    import pyoxigraph as ox

    location = Path(args.tmp) / "oxigraph-bulk"
    shutil.rmtree(location, ignore_errors=True)
    location.parent.mkdir(parents=True, exist_ok=True)

    def load():
        store = ox.Store(str(location))
        for path in ontology_paths() + [args.data]:
            store.bulk_load(path=path, format=ox.RdfFormat.TURTLE)
        store.flush()
        return store, {"triples": len(store)}

    store = rec.step("pyoxigraph bulk_load (on disk)", "baseline", load)
    del store
    shutil.rmtree(location, ignore_errors=True)


def group_oxigraph_reopen(rec: Recorder, args) -> None:
    """The on-disk store `prepare` built, re-opened read-only in a fresh process (as the project
    re-opens its own), then every named query on it."""
    import pyoxigraph as ox

    location = Path(args.tmp) / "oxigraph-store"

    def reopen():
        if not (location / "BUILT").exists():
            raise FileNotFoundError(f"{location}: not built (the prepare step failed)")
        return ox.Store.read_only(str(location))

    store = rec.step("pyoxigraph Store.read_only (re-open)", "baseline", reopen)
    oxigraph_queries(rec, store, "pyoxigraph-disk", args.actor,
                     None if store is not None else "skipped: the pyoxigraph re-open failed")


def group_pyshacl(rec: Recorder, args) -> None:
    data = rdflib_graph(args.data)

    def run():
        conforms, results, _text = run_pyshacl(data)
        return None, {"conforms": bool(conforms), "results": sum(pyshacl_keys(results).values())}

    rec.step("pySHACL validate (rdflib)", "baseline", run)


WARM_UP = "query warm-up (first named query, once)"
ANALYSES = ("analyse centrality degree", "analyse centrality weighted_degree",
            "analyse centrality eigenvector", "analyse centrality pagerank",
            "analyse communities greedy", "analyse communities louvain", "analyse components",
            "analyse stats", "analyse evolution")


def _query_steps(engine: str) -> list[tuple[str, str]]:
    return [(WARM_UP, engine)] + [(f"query {n}", engine) for n in named_queries()]


def expected_steps(group: str) -> list[tuple[str, str]]:
    """The (step, engine) pairs a group records when nothing goes wrong, in order."""
    if group == "prepare":
        return [("(prepare) project store", "-"), ("(prepare) pyoxigraph store", "-")]
    if group == "project-load":
        return [("load", "project")]
    if group == "project-reopen":
        return [("re-open", "project")]
    if group == "project-queries":
        return _query_steps("project")
    if group == "project-validate":
        return [("validate", "project")]
    if group == "violations":
        return [("validate (injected violations)", "project"),
                ("pySHACL validate (injected violations)", "baseline")]
    if group == "project-network":
        steps = [("actor graph", "project")] + [(a, "project") for a in ANALYSES]
        steps += [("analyse centrality betweenness", "project"), ("networkx betweenness (exact)", "baseline")]
        return steps
    if group == "project-exports":
        from clearview_kg.cli import export_cmd

        return [(f"export {f}", "project") for f in export_cmd.FORMATS]
    if group == "project-push":
        return [(PUSH, "project")]
    if group == "rdflib-parse":
        return [("rdflib Graph.parse", "baseline")]
    if group == "oxigraph-memory":
        return [("pyoxigraph Store.load (in-memory)", "baseline")] + _query_steps("pyoxigraph")
    if group == "oxigraph-bulk":
        return [("pyoxigraph bulk_load (on disk)", "baseline")]
    if group == "oxigraph-reopen":
        return [("pyoxigraph Store.read_only (re-open)", "baseline")] + _query_steps("pyoxigraph-disk")
    if group == "pyshacl":
        return [("pySHACL validate (rdflib)", "baseline")]
    return []


GROUPS = {
    "prepare": group_prepare,
    "project-load": group_project_load,
    "project-reopen": group_project_reopen,
    "project-queries": group_project_queries,
    "project-validate": group_project_validate,
    "project-network": group_project_network,
    "project-exports": group_project_exports,
    "project-push": group_project_push,
    "violations": group_violations,
    "rdflib-parse": group_rdflib_parse,
    "oxigraph-memory": group_oxigraph_memory,
    "oxigraph-bulk": group_oxigraph_bulk,
    "oxigraph-reopen": group_oxigraph_reopen,
    "pyshacl": group_pyshacl,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one benchmark group (see benchmarks/run.py)")
    parser.add_argument("group", choices=sorted(GROUPS))
    parser.add_argument("--data", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("--cache", default=None, help="the project's store cache ($CVKG_CACHE_DIR)")
    parser.add_argument("--actor", default="")
    parser.add_argument("--step-timeout", type=float, default=900.0)
    parser.add_argument("--betweenness-budget", type=float, default=600.0)
    parser.add_argument("--skip", default="{}",
                        help='JSON {"step|engine": seconds}: steps that timed out before; not run again')
    args = parser.parse_args(argv)
    if args.cache:
        os.environ["CVKG_CACHE_DIR"] = args.cache
    os.environ["CVKG_PROGRESS"] = "0"  # no bars in a benchmark's stderr
    rec = Recorder(Path(args.results), args.step_timeout, json.loads(args.skip))
    try:
        GROUPS[args.group](rec, args)
    except Exception as exc:  # noqa: BLE001 - e.g. the untimed load of a group failed
        rec.fail(f"({args.group} setup)", "-", one_line(exc))
        if os.environ.get("CVKG_BENCH_DEBUG"):
            traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
