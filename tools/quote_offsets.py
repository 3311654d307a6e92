"""Fill in cv:quoteStart / cv:quoteEnd for every quote in graph/*.ttl.

Editors write a derivation as

    [ a prov:Derivation ; prov:entity src:002 ; cv:quote "..."@sv ; ... ]

and run `python tools/quote_offsets.py`; the script finds each quote in the source's text file
(graph/corpus/NNN_*.txt) and writes `cv:quoteStart N ; cv:quoteEnd M ;` right after the quote,
replacing offsets already there (the first occurrence is used). Where the page has no-break
spaces (U+00A0) that the editor typed as plain spaces, the quote is rewritten with the page's
exact characters (escaped as \u00A0). A quote that is not found is reported and the file is
left unchanged.

This is an editor's tool, not part of the package; tests/test_quotes.py checks the result.
"""
from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "graph" / "corpus"

DERIVATION = re.compile(
    r'(?P<head>prov:entity\s+src:(?P<src>\d{3})\s*;\s*cv:quote\s+"(?P<quote>(?:[^"\\]|\\.)*)"@(?P<lang>[a-z-]+))'
    r'(?P<offsets>\s*;\s*cv:quoteStart\s+\d+\s*;\s*cv:quoteEnd\s+\d+)?'
)


def unescape(text: str) -> str:
    text = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda m: chr(int(m[1], 16)), text)
    return re.sub(r'\\(["\\])', r"\1", text)


def escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return text.replace("\xa0", "\\u00A0")


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where the quote stands in text: verbatim, or else with any run of spaces in the quote
    standing for a run of spaces and no-break spaces in the text (pages often carry U+00A0)."""
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    pattern = r"[ \xa0]+".join(re.escape(part) for part in re.split(r"[ \xa0]+", quote))
    found = re.search(pattern, text)
    return (found.start(), found.end()) if found else None


def corpus_texts() -> dict[str, str]:
    return {p.name[:3]: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}


def fill(path: pathlib.Path, texts: dict[str, str]) -> list[str]:
    content = path.read_text(encoding="utf-8")
    problems: list[str] = []

    def replace(match: re.Match) -> str:
        src, quote = match["src"], unescape(match["quote"])
        text = texts.get(src)
        if text is None:
            problems.append(f"{path.name}: no corpus file for source {src}")
            return match.group(0)
        span = locate(quote, text)
        if span is None:
            problems.append(f"{path.name}: quote not in source {src}: {quote[:70]!r}")
            return match.group(0)
        start, end = span
        head = match["head"].replace(match["quote"], escape(text[start:end]), 1)
        return f"{head} ; cv:quoteStart {start} ; cv:quoteEnd {end}"

    new = DERIVATION.sub(replace, content)
    if not problems and new != content:
        path.write_text(new, encoding="utf-8")
    return problems


def main() -> int:
    texts = corpus_texts()
    problems: list[str] = []
    for path in sorted((ROOT / "graph").glob("*.ttl")):
        problems += fill(path, texts)
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
