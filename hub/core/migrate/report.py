"""Migration reports: a JSON document for machines and one self-contained HTML page for people.

Both are built from the same :func:`build_report` dictionary, whose keys are stable (tests and
scripts read them). The HTML has inline CSS and an inline SVG bar chart — no scripts, fonts or
images to fetch — so it can be mailed or archived as one file. Neither holds plaintext PII: findings
carry values masked by whoever raised them, diffs are masked here, and records are named by row
and external id only.

Example:
    >>> report = {"run_id": "r1", "status": "pass", "dry_run": False, "source": "a.csv", "system": "s",
    ...           "totals": {"rows": 2, "rows_with_findings": 0, "error_rate": 0.0, "findings": 0},
    ...           "entities": {}, "findings_by_field": {}, "findings_by_kind": {}, "findings": [],
    ...           "worst_records": [], "fixes": [], "reconciliation": [], "reasons": [],
    ...           "thresholds": {"max_error_rate": 0.15, "max_missing": 0, "max_mismatches": 0},
    ...           "run": {"started_at": "2026-01-05T09:00:00+00:00", "finished_at": "2026-01-05T09:00:02+00:00",
    ...                   "duration_seconds": 2.0, "command": "hub migrate --source a.csv", "source_sha256": "ab12",
    ...                   "database": "sqlite:///hub.db"}, "rejected_rows": {"count": 0, "file": None}}
    >>> "<svg" in render_html(report)
    True
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.core.migrate.findings import FIXES
from hub.core.migrate.job import MigrationResult
from hub.core.migrate.run_facts import run_facts
from hub.core.private import open_private

__all__ = ["build_report", "render_html", "write_reports", "REPORT_VERSION"]

REPORT_VERSION = 1
_WORST = 20


def build_report(result: MigrationResult, *, command: Sequence[str] = (), database: str = "",
                 rejected_file: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The report as a JSON-safe dict with stable keys (see the module docstring).

    ``command`` (the arguments as run, ``sys.argv``) and ``database`` (the store's URL) are stated in
    the report's ``run`` section, passwords masked, so a person can tell what produced it;
    ``rejected_file`` names the CSV of rejected rows written beside the report, which it links.
    """
    state = result.state
    by_field: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    for name, kinds in state["finding_counts"].items():
        for kind, count in kinds.items():
            by_field[name] += count
            by_kind[kind] += count
    findings = [finding.to_dict() for finding in result.findings]
    per_record: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in findings:
        if item["record"]:
            per_record[item["record"]].append(item)
    worst = sorted(per_record.items(), key=lambda pair: (-len(pair[1]), pair[1][0]["row"] or 0))[:_WORST]
    settings = state["settings"]
    return {
        "report_version": REPORT_VERSION,
        "run_id": result.run_id,
        "status": "pass" if result.passed else "fail",
        "reasons": result.reasons,
        "dry_run": settings["dry_run"],
        "source": Path(settings["source"].get("path", "")).name,
        "system": result.state.get("system", ""),
        "thresholds": settings["thresholds"],
        "run": run_facts(state, command=command, database=database),
        "rejected_rows": {"count": len(result.rejected_rows), "file": rejected_file},
        "totals": {
            "rows": state["rows"],
            "rows_with_findings": state["rows_with_findings"],
            "error_rate": round(state.get("error_rate", 0.0), 6),
            "findings": sum(by_kind.values()),
        },
        "entities": state["entities"],
        "findings_by_field": dict(by_field.most_common()),
        "findings_by_kind": dict(by_kind.most_common()),
        "findings": findings,
        "worst_records": [
            {"record": record, "row": items[0]["row"], "count": len(items),
             "problems": [f"{i['field']}: {i['kind']} — {i['reason']}" for i in items]}  # fmt: skip
            for record, items in worst
        ],
        "fixes": [{"kind": kind, "count": count, "fix": FIXES.get(kind, "")} for kind, count in by_kind.most_common()],
        "reconciliation": [item.to_dict() for item in result.reconciliation],
    }


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;
vertical-align:top}th{background:#f4f4f4}.pass{color:#176f2c;font-weight:bold}.fail{color:#b3261e;font-weight:bold}
.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.9em}.muted{color:#777}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[Any]], css: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _chart(title: str, counts: dict[str, int]) -> str:
    """A horizontal bar chart as inline SVG (one bar per label)."""
    items = list(counts.items())[:25]
    if not items:
        return f'<svg role="img" aria-label="{_e(title)}" width="400" height="30"><text x="0" y="20">no findings</text></svg>'
    top = max(count for _, count in items)
    bar_h, label_w, bar_w = 22, 260, 520
    height = bar_h * len(items) + 10
    parts = [f'<svg role="img" aria-label="{_e(title)}" xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}" height="{height}">']
    for index, (label, count) in enumerate(items):
        y = index * bar_h + 4
        width = max(2, round(bar_w * count / top))
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_e(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{width}" height="{bar_h - 6}" fill="#c0504d"><title>{_e(label)}: {count}</title></rect>')
        parts.append(f'<text x="{label_w + width + 4}" y="{y + 15}" font-size="12">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _run_rows(report: dict[str, Any]) -> list[list[Any]]:
    """What ran, when, on what, and the threshold the verdict was judged against."""
    run, limits = report["run"], report["thresholds"]
    return [["run id", report["run_id"]], ["started (UTC)", run["started_at"]], ["finished (UTC)", run["finished_at"]],
            ["duration", f"{run['duration_seconds']:.1f} s"], ["command", run["command"]],
            ["source SHA-256", run["source_sha256"] or "not a file"], ["database", run["database"]],
            ["threshold", f"max error rate {limits['max_error_rate']:.2%}, max missing {limits['max_missing']}, "
                          f"max mismatches {limits['max_mismatches']}"],
            ["verdict", report["status"].upper()]]  # fmt: skip


def _rejected_section(report: dict[str, Any]) -> str:
    """Where the rejected rows are, to fix and import again."""
    rejected = report["rejected_rows"]
    if not rejected["count"]:
        return "<h2>Rejected rows</h2><p>None.</p>"
    if not rejected["file"]:
        return f"<h2>Rejected rows</h2><p>{rejected['count']} rows; their records are in the dead letters.</p>"
    name = _e(rejected["file"])
    return (f'<h2>Rejected rows</h2><p>{rejected["count"]} rows, with why each was rejected: <a href="{name}">{name}</a>. '
            "Fix the cells (masked personal data must be typed in again), then migrate the file with the same "
            "mapping; its <code>hub_row</code> and <code>hub_reason</code> columns are ignored.</p>")


def render_html(report: dict[str, Any]) -> str:
    """One self-contained HTML page: status, totals, charts, worst records, what to fix, reconciliation."""
    status = report["status"]
    totals = report["totals"]
    title = f"Migration report — {report['source']} ({status})"
    out = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title><style>{_CSS}</style></head><body>']
    out.append(f"<h1>{_e(title)}</h1>")
    mode = "dry run (nothing written)" if report["dry_run"] else "written to the hub store"
    out.append(f'<p>Run <code>{_e(report["run_id"])}</code>, {_e(mode)}: <span class="{status}">{status.upper()}</span></p>')
    if report["reasons"]:
        out.append("<ul>" + "".join(f"<li>{_e(reason)}</li>" for reason in report["reasons"]) + "</ul>")
    out.append("<h2>Run</h2>" + _table(["", ""], _run_rows(report), "run"))
    out.append("<h2>Totals</h2>")
    rows = [["source rows", totals["rows"]], ["rows with findings", totals["rows_with_findings"]],
            ["error rate", f"{totals['error_rate']:.2%}"], ["findings", totals["findings"]]]  # fmt: skip
    for kind, counts in sorted(report["entities"].items()):
        rows.append([f"{kind}: valid / rejected", f"{counts['valid']} / {counts['rejected']}"])
    out.append(_table(["", "count"], rows, "totals"))
    out.append(_rejected_section(report))
    out.append("<h2>Findings by field</h2>" + _chart("findings by field", report["findings_by_field"]))
    out.append("<h2>Findings by kind</h2>" + _chart("findings by kind", report["findings_by_kind"]))
    out.append("<h2>What to fix</h2>")
    out.append(_table(["kind", "count", "what to do"], [[f["kind"], f["count"], f["fix"]] for f in report["fixes"]], "fixes"))
    out.append("<h2>Worst records</h2><p class=\"muted\">Values are masked where they are personal data.</p>")
    out.append(_table(["record", "row", "findings", "problems"],
                      [[w["record"], w["row"], w["count"], "; ".join(w["problems"])] for w in report["worst_records"]],
                      "worst"))  # fmt: skip
    if report["reconciliation"]:
        out.append("<h2>Reconciliation</h2>")
        recon_rows = []
        for item in report["reconciliation"]:
            bad = [name for name, f in item["fields"].items() if not f["match"]]
            bad += [f"{name} (in the target connector)" for name in item.get("connector_mismatched", {})]
            recon_rows.append([item["kind"], item["source_count"], item["target_count"], item["missing"],
                               item.get("undelivered", 0), ", ".join(bad) or "all fields match"])  # fmt: skip
        out.append(_table(["entity", "source", "target", "missing", "not delivered", "checksum mismatches"], recon_rows,
                          "reconciliation"))  # fmt: skip
        diffs = [[item["kind"], d["record"], d["row"], d["field"], d.get("source", ""), d["target"]]
                 for item in report["reconciliation"] for d in item["diffs"]]  # fmt: skip
        if diffs:
            out.append("<h3>Sample of field differences</h3>")
            out.append(_table(["entity", "record", "row", "field", "source", "target"], diffs, "diffs"))
    out.append("</body></html>")
    return "".join(out)


def write_reports(report: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    """Write ``migration-<run>.json`` and ``migration-<run>.html`` into ``directory`` (mode 0600: they
    name records, and a mismatch shows masked values)."""
    stem = f"migration-{report['run_id']}"
    json_path, html_path = directory / f"{stem}.json", directory / f"{stem}.html"
    with open_private(json_path, "w", encoding="utf-8") as file:
        file.write(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
    with open_private(html_path, "w", encoding="utf-8") as file:
        file.write(render_html(report))
    return json_path, html_path
