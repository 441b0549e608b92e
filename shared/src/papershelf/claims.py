"""Claims: a paper's `claims.toml`, checked by machine against its results.

    [[claim]]
    id = "hull_acc_n10"                      # unique, [a-z0-9_]+
    statement = "Ptr-Net solves 10-point convex hulls exactly"
    paper = "72.6% (n=50, 1M examples)"        # the paper's own number, as a string or number
    metric = "hull.ptr.accuracy.n10"          # dotted key into results["metrics"]
    preset = "full"                            # which results file the bar is checked on
    bar = ">= 0.60"                            # comparison, see below
    note = "why the bar differs from the paper's number"   # optional

A bar is `OP EXPR` with OP one of >=, <=, >, <, == and EXPR arithmetic (+ - * / and
parentheses) over numbers and dotted metric keys of the same results file, e.g.
`">= 0.10 + hull.seq2seq_attn.accuracy.n10"` or `"<= 1.05 * tsp.nn.gap"`.

The verdict is "holds" or "falls short". A malformed claim, or a metric missing from the results,
is a `ClaimsError` naming the file, the claim id and the field: never a silent "falls short".
"""

from __future__ import annotations

import ast
import math
import operator
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from papershelf.results import lookup

PRESETS = ("smoke", "quick", "full")
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_ID = re.compile(r"^[a-z0-9_]+$")
_BAR = re.compile(r"^\s*(>=|<=|==|>|<)\s*(.+?)\s*$")
HOLDS, FALLS_SHORT = "holds", "falls short"


class ClaimsError(ValueError):
    """A malformed claims file or a claim that cannot be evaluated."""

    def __init__(self, source: str | Path, claim_id: str | None, field: str | None, message: str):
        where = f"{source}"
        if claim_id is not None:
            where += f": claim '{claim_id}'"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    paper: str
    metric: str
    preset: str
    bar: str
    note: str = ""

    @property
    def op(self) -> str:
        return _BAR.match(self.bar).group(1)

    @property
    def expr(self) -> str:
        return _BAR.match(self.bar).group(2)


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    value: float
    threshold: float
    verdict: str

    @property
    def holds(self) -> bool:
        return self.verdict == HOLDS


def _parse_expr(expr: str, source, claim_id: str) -> ast.expr:
    try:
        tree = ast.parse(expr, mode="eval").body
    except SyntaxError as e:
        raise ClaimsError(source, claim_id, "bar", f"cannot parse {expr!r}: {e.msg}") from e
    for node in ast.walk(tree):
        ok = (
            isinstance(
                node,
                ast.BinOp | ast.UnaryOp | ast.Constant | ast.Name | ast.Attribute | ast.Load,
            )
            or type(node) in _BINOPS
            or isinstance(node, ast.USub | ast.UAdd)
        )
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            ok = False
        if not ok:
            raise ClaimsError(
                source, claim_id, "bar", f"{expr!r}: only numbers, metric keys and + - * / allowed"
            )
    return tree


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    assert isinstance(node, ast.Attribute)
    return f"{_dotted(node.value)}.{node.attr}"


def metric_keys(claim: Claim) -> list[str]:
    """Every metric key a claim reads: its `metric` and the keys inside its bar."""
    return [claim.metric, *_outer_names(_parse_expr(claim.expr, "<claim>", claim.id))]


def _outer_names(tree: ast.expr) -> list[str]:
    if isinstance(tree, ast.Name | ast.Attribute):
        return [_dotted(tree)]
    if isinstance(tree, ast.BinOp):
        return _outer_names(tree.left) + _outer_names(tree.right)
    if isinstance(tree, ast.UnaryOp):
        return _outer_names(tree.operand)
    return []


def _number(value: Any, source, claim_id: str, key: str) -> float:
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ClaimsError(source, claim_id, "metric", f"{key} is {value!r}, not a finite number")
    return float(value)


def _eval(tree: ast.expr, metrics: Mapping[str, Any], source, claim_id: str) -> float:
    if isinstance(tree, ast.Constant):
        return float(tree.value)
    if isinstance(tree, ast.Name | ast.Attribute):
        key = _dotted(tree)
        try:
            return _number(lookup(metrics, key), source, claim_id, key)
        except KeyError:
            raise ClaimsError(
                source, claim_id, "bar", f"metric {key!r} is not in the results"
            ) from None
    if isinstance(tree, ast.UnaryOp):
        v = _eval(tree.operand, metrics, source, claim_id)
        return -v if isinstance(tree.op, ast.USub) else v
    if isinstance(tree, ast.BinOp):
        return _BINOPS[type(tree.op)](
            _eval(tree.left, metrics, source, claim_id),
            _eval(tree.right, metrics, source, claim_id),
        )
    raise ClaimsError(source, claim_id, "bar", f"unsupported expression {ast.dump(tree)}")


def parse_claims(text: str, source: str | Path = "<claims.toml>") -> list[Claim]:
    """Parse and validate the text of a claims file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ClaimsError(source, None, None, f"not valid TOML ({e})") from e
    unknown = set(data) - {"claim"}
    if unknown:
        raise ClaimsError(source, None, None, f"unknown top-level key(s) {sorted(unknown)}")
    entries = data.get("claim", [])
    if not isinstance(entries, list) or not entries:
        raise ClaimsError(source, None, "claim", "expected one or more [[claim]] tables")
    claims, seen = [], set()
    for i, entry in enumerate(entries):
        cid = entry.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            raise ClaimsError(source, f"#{i + 1}", "id", f"must match [a-z0-9_]+, got {cid!r}")
        if cid in seen:
            raise ClaimsError(source, cid, "id", "duplicate id")
        seen.add(cid)
        fields = {"id", "statement", "paper", "metric", "preset", "bar", "note"}
        extra = set(entry) - fields
        if extra:
            raise ClaimsError(source, cid, sorted(extra)[0], "unknown field")
        for name in ("statement", "metric", "preset", "bar"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise ClaimsError(source, cid, name, "missing or not a non-empty string")
        if not isinstance(entry.get("paper"), str | int | float):
            raise ClaimsError(
                source, cid, "paper", "missing: the paper's own number (string or number)"
            )
        if entry["preset"] not in PRESETS:
            raise ClaimsError(
                source, cid, "preset", f"must be one of {PRESETS}, got {entry['preset']!r}"
            )
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$", entry["metric"]):
            raise ClaimsError(source, cid, "metric", f"not a dotted key: {entry['metric']!r}")
        m = _BAR.match(entry["bar"])
        if not m:
            raise ClaimsError(source, cid, "bar", f"must be 'OP EXPR' with OP in {list(_OPS)}")
        _parse_expr(m.group(2), source, cid)
        claims.append(
            Claim(
                id=cid,
                statement=entry["statement"].strip(),
                paper=str(entry["paper"]),
                metric=entry["metric"],
                preset=entry["preset"],
                bar=entry["bar"].strip(),
                note=str(entry.get("note", "")).strip(),
            )
        )
    return claims


def load_claims(path: str | Path) -> list[Claim]:
    """Read and validate a claims file."""
    path = Path(path)
    if not path.is_file():
        raise ClaimsError(path, None, None, "file not found (every paper needs a claims.toml)")
    return parse_claims(path.read_text(), source=path)


def evaluate(
    claims: Sequence[Claim], results: Mapping[str, Any], source: str | Path = "<results>"
) -> list[Verdict]:
    """The verdict of every claim on one results dict (its preset must match each claim's)."""
    verdicts = []
    metrics = results["metrics"]
    for claim in claims:
        if results.get("preset") != claim.preset:
            raise ClaimsError(
                source,
                claim.id,
                "preset",
                f"claim is on '{claim.preset}', results are '{results.get('preset')}'",
            )
        try:
            value = _number(lookup(metrics, claim.metric), source, claim.id, claim.metric)
        except KeyError:
            raise ClaimsError(
                source, claim.id, "metric", f"{claim.metric!r} is not in the results"
            ) from None
        threshold = _eval(_parse_expr(claim.expr, source, claim.id), metrics, source, claim.id)
        ok = _OPS[claim.op](value, threshold)
        verdicts.append(Verdict(claim, value, threshold, HOLDS if ok else FALLS_SHORT))
    return verdicts


def _fmt(x: float) -> str:
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.4g}"


def render_table(verdicts: Sequence[Verdict]) -> str:
    """Markdown table: claim | paper | ours | bar | verdict."""
    lines = ["| claim | paper | ours | bar | verdict |", "|---|---|---|---|---|"]
    for v in verdicts:
        bar = v.claim.bar
        if _outer_names(_parse_expr(v.claim.expr, "<claim>", v.claim.id)):
            bar += f" (= {_fmt(v.threshold)})"  # a bar relative to another metric: show its value
        c, ours = v.claim, _fmt(v.value)
        lines.append(f"| {c.id}: {c.statement} | {c.paper} | {ours} | `{bar}` | {v.verdict} |")
    return "\n".join(lines) + "\n"
