"""The machine a run was measured on, the targets of the earlier issues, and the Markdown table
that `make bench` writes into docs/benchmarks.md (one block per scale and database)."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import django
from django.db import connection

from tsunagu.bench.scenarios import Figure


def _first(path: str, pattern: str) -> str:
    try:
        text = Path(path).read_text()
    except OSError:
        return "?"
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip() if match else "?"


def machine() -> dict[str, str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        database = f"SQLite {sqlite3.sqlite_version}"
    memory_kb = _first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    memory = f"{int(memory_kb) / 1024 / 1024:.1f} GiB" if memory_kb.isdigit() else "?"
    system = _first("/etc/os-release", r'^PRETTY_NAME="?([^"]+)')
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return {
        "CPU": _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$"),
        "cores": str(len(os.sched_getaffinity(0))),
        "memory": memory,
        "OS": f"{system} (Linux {platform.release()})",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "database": database,
        "load average at start": load,
    }


@dataclass(frozen=True)
class Target:
    figure: str
    issue: str
    text: str
    met: Callable[[float], bool]
    # A target stated for the large scale (100,000 orders, 1,000,000 lines) is only judged there.
    large_only: bool = False


TARGETS = [
    Target("import_products_s", "#4", "< 10 s", lambda v: v < 10),
    Target("order_submit_p95_ms", "#5", "< 150 ms (SQLite, 2 cores)", lambda v: v < 150),
    Target("inbox_p95_ms", "#6", "< 100 ms with 100,000 orders", lambda v: v < 100, True),
    Target(
        "csv_export_lines_per_s",
        "#6",
        "≥ 50,000 lines/s over 1,000,000 lines",
        lambda v: v >= 50_000,
        True,
    ),
    Target("pdf_invoice_ms", "#7", "< 80 ms", lambda v: v < 80),
    Target("billing_run_s", "#7", "< 120 s for 1,000 customers × 30 lines", lambda v: v < 120),
    Target(
        "inbox_p95_during_billing_ms",
        "#7",
        "pages responsive during the billing run (< 500 ms, our reading)",
        lambda v: v < 500,
    ),
    Target(
        "first_order_from_invitation_email_s",
        "#12",
        "< 60 s on a phone, invited by mail (person's pace)",
        lambda v: v < 60,
    ),
    Target(
        "first_order_from_invitation_link_s",
        "#12",
        "< 60 s on a phone, invited by link or QR code (person's pace)",
        lambda v: v < 60,
    ),
    Target("queries_equal", "#4 #5 #6", "list pages: same query count small and large", bool),
]


def block(
    key: str, figures: Sequence[Figure], facts: dict[str, str], *, scale: str, took: float
) -> str:
    by_name = {figure.name: figure for figure in figures}
    lines = [
        f"<!-- bench:{key}:start -->",
        f"### {key} ({datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {took:.0f} s)",
        "",
        ", ".join(f"{name}: {value}" for name, value in facts.items()),
        "",
        "| figure | value | unit |",
        "|---|---:|---|",
    ]
    lines += [
        f"| `{f.name}` | {f.text} | {f.unit} |"
        for f in figures
        if not f.name.startswith("queries_") or f.name == "queries_equal"
    ]
    lines += ["", "| target | issue | value | met |", "|---|---|---:|---|"]
    for target in TARGETS:
        figure = by_name.get(target.figure)
        if figure is None:
            verdict, value = "not measured", "-"
        elif target.large_only and scale != "large":
            verdict, value = "judged at the large scale", f"{figure.text} {figure.unit}"
        else:
            verdict = "yes" if target.met(figure.value) else "**no**"
            value = f"{figure.text} {figure.unit}"
        lines.append(f"| `{target.figure}` {target.text} | {target.issue} | {value} | {verdict} |")
    counts = [f for f in figures if f.name.startswith("queries_") and f.name != "queries_equal"]
    if counts:
        lines += ["", "| list page | queries, tiny tenant | queries, biggest tenant |"]
        lines += ["|---|---:|---:|"]
        small = {f.name.removesuffix("_small"): f for f in counts if f.name.endswith("_small")}
        for name, figure in small.items():
            large = by_name.get(f"{name}_large")
            lines.append(
                f"| {name.removeprefix('queries_')} | {figure.value:.0f} | "
                f"{'-' if large is None else large.text} |"
            )
    lines.append(f"<!-- bench:{key}:end -->")
    return "\n".join(lines)


def write(path: Path, key: str, text: str) -> None:
    """Replace this key's block in the document, or add it under "## Last results"."""
    document = path.read_text() if path.exists() else "# Benchmarks\n\n## Last results\n"
    pattern = re.compile(
        rf"<!-- bench:{re.escape(key)}:start -->.*?<!-- bench:{re.escape(key)}:end -->", re.S
    )
    if pattern.search(document):
        document = pattern.sub(lambda _match: text, document)
    else:
        document = document.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(document)
