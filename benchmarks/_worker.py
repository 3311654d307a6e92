#!/usr/bin/env python3
"""One benchmark process: runs one group of steps and appends a JSON line per step.

Called by benchmarks/run.py, never by hand (but it can be, to debug one group):

    python benchmarks/_worker.py GROUP --data FILE.ttl --results OUT.jsonl --tmp DIR

A group loads what its steps need (untimed unless loading is the step), then times each step
on its own. Each line: ``{"step", "engine", "seconds", "rss_kb", "ok", "error", "info"}``.
``rss_kb`` is the peak resident set size during the step: the kernel's high-water mark
(VmHWM) is reset before the step (``/proc/self/clear_refs``) and read after it, so it counts
what the process already held (the loaded graph) plus what the step added. Where the reset is
refused, it is the peak of the process so far (``ru_maxrss``) and ``info.rss`` says so.

Only public functions of ``clearview_kg.core`` are called, so that the numbers are what the
commands pay; the baselines call rdflib, pyoxigraph, pySHACL and networkx directly. A step that
raises is recorded with its one-line error and the group goes on; a step that runs longer
than ``--step-timeout`` seconds is interrupted (SIGALRM) and recorded as a timeout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import sys
import time
import traceback
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
        """Run func(*args, **kwargs) as one measured step; return its value (None if failed)."""
        stopped = self.skip.get(f"{name}|{engine}")
        if stopped is not None:
            self.write({"step": name, "engine": engine, "seconds": None, "rss_kb": None, "ok": False,
                        "error": f"timeout: stopped after {stopped:.0f} s in an earlier repeat, not run again",
                        "lower_bound": stopped, "info": {}})
            return None
        reset = _reset_peak()
        info: dict = {}
        if not reset:
            info["rss"] = "process peak (VmHWM reset refused)"
        value = None
        ok, error, lower = True, None, None
        limit = self.step_timeout if timeout is None else timeout
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


def project_load(data: str):
    from clearview_kg.core import store

    graph = store.load_graph([data], include_shipped=False)
    return graph, {"triples": len(graph)}


def named_queries() -> dict:
    from clearview_kg.core import catalog

    return catalog.named_queries()


def project_query(graph, query, actor: str):
    from clearview_kg.core import catalog, sparql

    raw = [f"{p.name}=<{actor}>" for p in query.params if not p.optional]
    params = catalog.bind_params(query, raw)
    result = sparql.run(graph, query.text, params, query.name)
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


def write_bytes(tmp: Path, name: str, data: bytes) -> dict:
    path = tmp / name
    path.write_bytes(data)
    return {"bytes": len(data)}


# --- groups ---------------------------------------------------------------------------------


def group_project_load(rec: Recorder, args) -> None:
    from clearview_kg.core import store  # noqa: F401 - imported before the clock starts

    rec.step("load", "project", project_load, args.data)


def group_project_queries(rec: Recorder, args) -> None:
    graph = project_load(args.data)[0]
    for name, query in named_queries().items():
        rec.step(f"query {name}", "project", project_query, graph, query, args.actor)


def group_project_validate(rec: Recorder, args) -> None:
    from clearview_kg.core import validation

    graph = project_load(args.data)[0]

    def run():
        report = validation.validate(graph)
        return report, {"conforms": report.conforms, "results": len(report.results)}

    rec.step("validate", "project", run)


def group_violations(rec: Recorder, args) -> None:
    """Validate the data with injected violations; compare with the sidecar's list."""
    from collections import Counter

    from clearview_kg.core import validation
    from clearview_kg.core.namespaces import compact

    graph = project_load(args.data)[0]
    expected_doc = json.loads(Path(args.data).with_suffix(".violations.json").read_text())

    def key(focus, shape, component):
        focus = "_:blank" if not focus or focus.startswith(("_:", "(")) else compact(str(focus))
        return (focus, compact(str(shape or "")), compact(str(component or "")))

    def run():
        report = validation.validate(graph)
        got = Counter(key(r.focus, r.source_shape, r.component) for r in report.violations)
        want = Counter(key(e["focus"], e["shape"], e["component"])
                       for v in expected_doc["violations"] for e in v["expected"])
        missing, extra = want - got, got - want
        return report, {"violations": len(expected_doc["violations"]),
                        "expected": sum(want.values()), "found": sum(got.values()),
                        "missing": sorted(map(list, missing)), "extra": sorted(map(list, extra))[:20],
                        "exact": not missing and not extra}

    rec.step("validate (injected violations)", "project", run)


def group_project_network(rec: Recorder, args) -> None:
    from clearview_kg.core import analysis, network

    graph = project_load(args.data)[0]

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

    # Betweenness: exact where feasible (project's measure, and networkx's own as baseline).
    betweenness_steps = [("analyse centrality betweenness", "project"),
                         ("networkx betweenness (exact)", "baseline")]
    if G is None:
        for name, engine in betweenness_steps:
            rec.fail(name, engine, "skipped: the actor graph step failed")
    else:
        import networkx as nx

        n = G.number_of_nodes()
        k = min(n, 32)
        estimate = 0.0
        if n > k:
            started = time.perf_counter()
            nx.betweenness_centrality(G, k=k, seed=1)
            estimate = (time.perf_counter() - started) * n / k
        if estimate > args.betweenness_budget:
            for name, engine in betweenness_steps:
                rec.fail(name, engine, f"skipped: exact betweenness infeasible here, estimated "
                         f"{estimate:.0f} s on {n} actors (> --betweenness-budget "
                         f"{args.betweenness_budget:.0f} s; {k}-sample timing x n/k)")
        else:
            rec.step("analyse centrality betweenness", "project", analysis.centrality, G, "betweenness")
            rec.step("networkx betweenness (exact)", "baseline", nx.betweenness_centrality, G,
                     normalized=True)


def group_project_exports(rec: Recorder, args) -> None:
    """Every export, as `cvkg export` produces it (core.export_*), written to the temp folder."""
    from clearview_kg.core import export_html, export_network, export_rdf, export_timeline, store

    graph = project_load(args.data)[0]
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)

    def rdf_export(fmt: str):
        ontology = store.load_graph(include_shipped=False)
        facts = graph - ontology
        classes = export_rdf.action_classes(graph)
        selected = export_rdf.select(facts, None, classes)
        data = export_rdf.serialize(export_rdf.build(selected, fmt, classes, None), fmt)
        return None, write_bytes(tmp, "export" + export_rdf.RDF_FORMATS[fmt][1], data)

    for fmt in export_rdf.RDF_FORMATS:
        rec.step(f"export {fmt}", "project", rdf_export, fmt)

    def network_export(fmt: str):
        built = export_network.build_graph(graph, None, "actors")
        if fmt == "csv":
            nodes, edges = export_network.to_csv(built)
            write_bytes(tmp, "edges.csv", edges)
            return None, write_bytes(tmp, "nodes.csv", nodes)
        return None, write_bytes(tmp, "export" + export_network.EXTENSIONS[fmt],
                                 export_network.render(built, fmt))

    for fmt in export_network.NETWORK_FORMATS:
        rec.step(f"export {fmt}", "project", network_export, fmt)
    rec.step("export html", "project",
             lambda: (None, write_bytes(tmp, "export.html", export_html.to_html(graph, None))))
    for fmt in ("png", "svg"):
        rec.step(f"export timeline-{fmt}", "project",
                 lambda fmt=fmt: (None, write_bytes(tmp, f"timeline.{fmt}",
                                                    export_timeline.to_timeline(graph, None, fmt))))
    shutil.rmtree(tmp, ignore_errors=True)


def group_rdflib_parse(rec: Recorder, args) -> None:
    import rdflib

    def parse():
        graph = rdflib.Graph()
        for path in ontology_paths() + [args.data]:
            graph.parse(path, format="turtle")
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
    for name, query in named_queries().items():
        if store is None:
            rec.fail(f"query {name}", "pyoxigraph", "skipped: the pyoxigraph load failed")
            continue

        def run(query=query):
            result = store.query(with_values(query.text, query.params, args.actor))
            rows = list(result) if isinstance(result, ox.QuerySolutions) else result
            return None, {"rows": len(rows) if isinstance(rows, list) else None}

        rec.step(f"query {name}", "pyoxigraph", run)


def group_oxigraph_bulk(rec: Recorder, args) -> None:
    import pyoxigraph as ox

    location = Path(args.tmp) / "oxigraph-store"
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


def group_pyshacl(rec: Recorder, args) -> None:
    import pyshacl
    import rdflib

    data = rdflib.Graph()
    for path in ontology_paths() + [args.data]:
        data.parse(path, format="turtle")
    shapes = rdflib.Graph()
    shapes.parse(data=shapes_text(), format="turtle")

    def run():
        conforms, _graph, _text = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=None, inference="none", advanced=False,
            js=False, do_owl_imports=False, abort_on_first=False, allow_infos=True,
            allow_warnings=True, meta_shacl=False, inplace=False)
        return None, {"conforms": bool(conforms)}

    rec.step("pySHACL validate (rdflib)", "baseline", run)


ANALYSES = ("analyse centrality degree", "analyse centrality weighted_degree",
            "analyse centrality eigenvector", "analyse centrality pagerank",
            "analyse communities greedy", "analyse communities louvain", "analyse components",
            "analyse stats", "analyse evolution")


def expected_steps(group: str) -> list[tuple[str, str]]:
    """The (step, engine) pairs a group records when nothing goes wrong, in order."""
    if group == "project-load":
        return [("load", "project")]
    if group == "project-queries":
        return [(f"query {n}", "project") for n in named_queries()]
    if group == "project-validate":
        return [("validate", "project")]
    if group == "violations":
        return [("validate (injected violations)", "project")]
    if group == "project-network":
        steps = [("actor graph", "project")] + [(a, "project") for a in ANALYSES]
        steps += [("analyse centrality betweenness", "project"), ("networkx betweenness (exact)", "baseline")]
        return steps
    if group == "project-exports":
        from clearview_kg.core import export_network, export_rdf

        steps = [(f"export {f}", "project") for f in export_rdf.RDF_FORMATS]
        steps += [(f"export {f}", "project") for f in export_network.NETWORK_FORMATS]
        steps += [("export html", "project"), ("export timeline-png", "project"),
                  ("export timeline-svg", "project")]
        return steps
    if group == "rdflib-parse":
        return [("rdflib Graph.parse", "baseline")]
    if group == "oxigraph-memory":
        return [("pyoxigraph Store.load (in-memory)", "baseline")] + [
            (f"query {n}", "pyoxigraph") for n in named_queries()]
    if group == "oxigraph-bulk":
        return [("pyoxigraph bulk_load (on disk)", "baseline")]
    if group == "pyshacl":
        return [("pySHACL validate (rdflib)", "baseline")]
    return []


GROUPS = {
    "project-load": group_project_load,
    "project-queries": group_project_queries,
    "project-validate": group_project_validate,
    "project-network": group_project_network,
    "project-exports": group_project_exports,
    "violations": group_violations,
    "rdflib-parse": group_rdflib_parse,
    "oxigraph-memory": group_oxigraph_memory,
    "oxigraph-bulk": group_oxigraph_bulk,
    "pyshacl": group_pyshacl,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one benchmark group (see benchmarks/run.py)")
    parser.add_argument("group", choices=sorted(GROUPS))
    parser.add_argument("--data", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("--actor", default="")
    parser.add_argument("--step-timeout", type=float, default=900.0)
    parser.add_argument("--betweenness-budget", type=float, default=600.0)
    parser.add_argument("--skip", default="{}",
                        help='JSON {"step|engine": seconds}: steps that timed out before; not run again')
    args = parser.parse_args(argv)
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
