"""Papershelf sessions. Papers are discovered from papers/*/pyproject.toml; no list to keep.

nox -s tests                       every paper and shared/
nox -s "tests(<slug>)"             one paper (or "tests(shared)")
nox -s "reproduce(<slug>)"         the quick preset; -- --preset full for the full one
nox -s "bench(<slug>)"             papers with [tool.papershelf] bench = true
nox -s lint                        ruff check + ruff format --check + README tables in sync
nox -s claims                      every claims.toml against committed results
nox -s docs                        mkdocs build --strict
nox -s sync                        regenerate the README tables
nox -s new -- <slug> "<title>"     scaffold a paper folder
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CONSTRAINTS = ("-c", str(ROOT / "constraints.txt"))

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "tests", "claims"]

# uv does not read pip's settings: without these it would fetch a multi-GB CUDA torch from PyPI
# instead of the CPU wheel that PIP_FIND_LINKS points at.
for _pip, _uv in (
    ("PIP_FIND_LINKS", "UV_FIND_LINKS"),
    ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"),
):
    if os.environ.get(_pip) and not os.environ.get(_uv):
        os.environ[_uv] = os.environ[_pip]

# Fresh virtualenvs have no bytecode; with writing switched off (some shells set this), every
# process would recompile torch & co. from source, several seconds per test process.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def _papers() -> dict[str, dict]:
    papers = {}
    for pyproject in sorted(ROOT.glob("papers/*/pyproject.toml")):
        meta = tomllib.loads(pyproject.read_text()).get("tool", {}).get("papershelf", {})
        papers[pyproject.parent.name] = meta
    return papers


PAPERS = _papers()
SLUGS = list(PAPERS)
BENCH = [s for s in SLUGS if PAPERS[s].get("bench")]


def _install_paper(session: nox.Session, slug: str, extras: str = "") -> None:
    session.install(
        *CONSTRAINTS, "-e", str(ROOT / "shared"), "-e", f"{ROOT / 'papers' / slug}{extras}"
    )


def _package(slug: str) -> str:
    return PAPERS[slug].get("package", slug)


@nox.session
@nox.parametrize("target", ["shared", *SLUGS], ids=["shared", *SLUGS])
def tests(session: nox.Session, target: str) -> None:
    """Run one paper's (or shared/'s) pytest suite in its own virtualenv."""
    if target == "shared":
        session.install(*CONSTRAINTS, "-e", f"{ROOT / 'shared'}[test]")
        session.chdir(ROOT / "shared")
    else:
        _install_paper(session, target, "[test]")
        session.chdir(ROOT / "papers" / target)
    session.run("pytest", "-p", "no:cacheprovider", *session.posargs)


@nox.session
@nox.parametrize("slug", SLUGS, ids=SLUGS)
def reproduce(session: nox.Session, slug: str) -> None:
    """`python -m <pkg> reproduce` (quick preset unless -- --preset full); output under runs/."""
    _install_paper(session, slug)
    session.run("python", "-m", _package(slug), "reproduce", *session.posargs)


@nox.session
@nox.parametrize("slug", BENCH, ids=BENCH)
def bench(session: nox.Session, slug: str) -> None:
    """The paper's speed/memory benchmark against its baseline; output under runs/."""
    _install_paper(session, slug)
    session.run("python", "-m", _package(slug), "bench", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the generated README tables are up to date."""
    session.install(*CONSTRAINTS, "ruff", "-e", str(ROOT / "shared"))
    session.run("ruff", "check", str(ROOT))
    session.run("ruff", "format", "--check", str(ROOT))
    session.run("python", "-m", "papershelf", "--root", str(ROOT), "sync", "--check")


@nox.session
def claims(session: nox.Session) -> None:
    """Every claims.toml against its committed results; fails only on malformed files."""
    session.install(*CONSTRAINTS, "-e", str(ROOT / "shared"))
    session.run("python", "-m", "papershelf", "--root", str(ROOT), "claims")


@nox.session
def sync(session: nox.Session) -> None:
    """Regenerate the papers table (README.md) and each paper's claims table."""
    session.install(*CONSTRAINTS, "-e", str(ROOT / "shared"))
    session.run("python", "-m", "papershelf", "--root", str(ROOT), "sync")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the mkdocs-material site strictly into docs/_site/."""
    session.install(*CONSTRAINTS, "-e", str(ROOT / "shared"), "mkdocs", "mkdocs-material")
    generated = ROOT / "docs" / "_generated"
    session.run("python", "-m", "papershelf", "--root", str(ROOT), "docs", "--out", str(generated))
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "-f",
        str(ROOT / "docs" / "mkdocs.yml"),
        env={"NO_MKDOCS_2_WARNING": "1"},
    )


@nox.session
def new(session: nox.Session) -> None:
    """Scaffold papers/<slug>/ from the template: nox -s new -- <slug> "<title>" [--framework]."""
    if len(session.posargs) < 2:
        session.error('usage: nox -s new -- <slug> "<title>" [--framework torch|jax|numpy]')
    session.install(*CONSTRAINTS, "-e", str(ROOT / "shared"))
    session.run("python", "-m", "papershelf", "--root", str(ROOT), "new", *session.posargs)
