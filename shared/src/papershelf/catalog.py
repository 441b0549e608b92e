"""The catalogue: papers discovered from `papers/*/pyproject.toml`, their status and verdicts.

Generated tables live between markers in Markdown files, so they are never edited by hand:

    <!-- papers-table:start --> ... <!-- papers-table:end -->     root README.md
    <!-- claims-table:start --> ... <!-- claims-table:end -->     papers/<slug>/README.md

`python -m papershelf sync` rewrites them from the papers' metadata and committed results;
`--check` fails when a committed table is stale.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from papershelf.claims import ClaimsError, Verdict, evaluate, load_claims, render_table
from papershelf.results import load_results

FRAMEWORKS = ("torch", "jax", "numpy")
_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Paper:
    slug: str
    path: Path
    title: str
    framework: str
    package: str
    url: str
    tags: tuple[str, ...] = field(default_factory=tuple)
    bench: bool = False

    @property
    def claims_path(self) -> Path:
        return self.path / "claims.toml"

    @property
    def results_path(self) -> Path:
        return self.path / "results" / "full.json"


def load_paper(path: Path) -> Paper:
    """Read one paper's `[tool.papershelf]` metadata; `ValueError` names the file and field."""
    pyproject = path / "pyproject.toml"
    meta = tomllib.loads(pyproject.read_text()).get("tool", {}).get("papershelf")
    if meta is None:
        raise ValueError(f"{pyproject}: missing [tool.papershelf] table")
    slug = path.name
    if not _SLUG.match(slug):
        raise ValueError(f"{path}: folder name must be a slug [a-z][a-z0-9_]*, got {slug!r}")
    for key in ("title", "framework"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise ValueError(f"{pyproject}: [tool.papershelf] needs a string '{key}'")
    if meta["framework"] not in FRAMEWORKS:
        raise ValueError(f"{pyproject}: framework must be one of {FRAMEWORKS}")
    if "arxiv" in meta:
        url = f"https://arxiv.org/abs/{meta['arxiv']}"
    else:
        url = str(meta.get("url", ""))
    return Paper(
        slug=slug,
        path=path,
        title=meta["title"],
        framework=meta["framework"],
        package=str(meta.get("package", slug)),
        url=url,
        tags=tuple(meta.get("tags", ())),
        bench=bool(meta.get("bench", False)),
    )


def discover(root: str | Path) -> list[Paper]:
    """Every paper under `<root>/papers/`, sorted by slug."""
    papers_dir = Path(root) / "papers"
    return [load_paper(p.parent) for p in sorted(papers_dir.glob("*/pyproject.toml"))]


def verdicts(paper: Paper) -> list[Verdict] | None:
    """Every claim checked on `results/<its preset>.json`; None while there is no `full.json`.

    A claim on another preset whose results file is not committed is a `ClaimsError`.
    """
    claims = load_claims(paper.claims_path)
    if not paper.results_path.exists():
        return None
    out = []
    for preset in dict.fromkeys(c.preset for c in claims):
        path = paper.path / "results" / f"{preset}.json"
        group = [c for c in claims if c.preset == preset]
        if not path.exists():
            raise ClaimsError(paper.claims_path, group[0].id, "preset", f"{path} is not committed")
        out += evaluate(group, load_results(path), source=path)
    return out


def papers_table(root: str | Path) -> str:
    """Markdown table of every paper: slug, title, framework, status, claims holding / total."""
    lines = [
        "| paper | title | framework | status | claims holding |",
        "|---|---|---|---|---|",
    ]
    for paper in discover(root):
        vs = verdicts(paper)
        total = len(load_claims(paper.claims_path))
        if vs is None:
            status, holding = "in progress", f"– / {total}"
        else:
            status, holding = "reproduced", f"{sum(v.holds for v in vs)} / {total}"
        title = f"[{paper.title}]({paper.url})" if paper.url else paper.title
        link = f"[`{paper.slug}`](papers/{paper.slug}/)"
        lines.append(f"| {link} | {title} | {paper.framework} | {status} | {holding} |")
    return "\n".join(lines) + "\n"


def claims_table(paper: Paper) -> str:
    vs = verdicts(paper)
    if vs is None:
        return "_No `results/full.json` yet: run the `full` preset to fill this table._\n"
    return render_table(vs)


def replace_between(text: str, marker: str, body: str, source: str | Path = "<text>") -> str:
    """Replace what lies between `<!-- {marker}:start -->` and `<!-- {marker}:end -->`."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"{source}: needs the markers '{start}' and '{end}' (in that order)")
    return text[: i + len(start)] + "\n" + body + text[j:]


def sync(root: str | Path, *, check: bool = False) -> list[Path]:
    """Regenerate the tables in the root README and every paper README.

    Returns the files that were (or, with `check=True`, would be) changed.
    """
    root = Path(root)
    targets = [(root / "README.md", "papers-table", papers_table(root))]
    for paper in discover(root):
        targets.append((paper.path / "README.md", "claims-table", claims_table(paper)))
    changed = []
    for path, marker, body in targets:
        old = path.read_text()
        new = replace_between(old, marker, body, source=path)
        if new != old:
            changed.append(path)
            if not check:
                path.write_text(new)
    return changed
