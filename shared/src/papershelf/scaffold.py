"""`nox -s new -- <slug> "<title>"`: a paper folder from the template, passing lint and tests."""

from __future__ import annotations

import keyword
import re
import sys
from importlib import resources
from pathlib import Path

from papershelf.catalog import FRAMEWORKS

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


def package_name(slug: str) -> str:
    """The import name: the slug, unless it would shadow the stdlib or a keyword."""
    if slug in sys.stdlib_module_names or keyword.iskeyword(slug) or slug in {"torch", "jax"}:
        return f"{slug}_paper"
    return slug


def render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def new_paper(root: str | Path, slug: str, title: str, framework: str = "numpy") -> Path:
    """Create `<root>/papers/<slug>/` from the template; refuses to touch an existing folder."""
    if not _SLUG.match(slug):
        raise ValueError(f"slug must match [a-z][a-z0-9_]*, got {slug!r}")
    if not title.strip() or '"' in title:
        raise ValueError(f"title must be non-empty and contain no double quote, got {title!r}")
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    dest = Path(root) / "papers" / slug
    if dest.exists():
        raise FileExistsError(f"{dest} exists; choose another slug or remove it first")
    package = package_name(slug)
    values = {"slug": slug, "title": title.strip(), "package": package, "framework": framework}
    template = resources.files("papershelf") / "template"
    for src in _walk(template):
        rel = str(src).removeprefix(str(template)).lstrip("/")
        target = dest / rel.removesuffix(".tmpl").replace("PACKAGE", package)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(src.read_text(), values))
    (dest / "results").mkdir()
    return dest


def _walk(node):
    for child in sorted(node.iterdir(), key=lambda p: p.name):
        if child.is_dir():
            yield from _walk(child)
        elif child.name.endswith(".tmpl"):
            yield child
