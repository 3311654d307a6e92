"""Smoke test of the load benchmark (benchmarks/load_serve.py) with tiny numbers: it completes,
every named query is answered correctly under concurrency, the pathological ones are cut with
504, and it writes its report. No timing is asserted here: the numbers are the benchmark's."""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_the_load_benchmark_runs_with_tiny_numbers(tmp_path):
    report = tmp_path / "SERVE-RESULTS.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "load_serve.py"), "--clients", "2", "--requests", "4",
         "--slow-every", "4", "--timeout", "3", "--max-seconds", "60",
         "--queries", "sources,disagreements,laws", "--output", str(report)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = report.read_text(encoding="utf-8")
    assert "requests answered: 8 of 8 planned" in text
    assert "- [x] every named query was answered 200 with the project's store's rows (6 of 6)" in text
    assert "- [x] every pathological query was stopped at the 3 s timeout with 504 (2 of 2)" in text
    assert "- [ ]" not in text
    for heading in ("## Machine", "nproc:", "CPU:", "Python:", "| kind | n | statuses | correct | p50 | p90 | p99 |"):
        assert heading in text
