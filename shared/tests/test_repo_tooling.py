"""Repository tooling: catalogue tables, docs sources, scaffold, CI matrix and workflow."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from papershelf.catalog import discover, replace_between, sync
from papershelf.scaffold import new_paper, package_name
from papershelf.site import build_sources

RESULTS = {
    "paper": "toy",
    "preset": "full",
    "seed": 0,
    "config": {},
    "metrics": {"method": {"rel_error": 1e-12}},
    "duration_s": 1.0,
    "environment": {},
}


@pytest.fixture
def mini_repo(tmp_path: Path) -> Path:
    """A repository with one scaffolded paper, a root README and docs."""
    (tmp_path / "papers").mkdir()
    (tmp_path / "README.md").write_text(
        "# x\n<!-- papers-table:start -->\n<!-- papers-table:end -->\n"
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    (tmp_path / "docs" / "contributing.md").write_text("# Contributing\n")
    (tmp_path / "docs" / "guide.md").write_text("# A guide\n")
    new_paper(tmp_path, "toy", "A Toy Paper", "numpy")
    return tmp_path


def test_scaffold_refuses_bad_input_and_existing_folders(mini_repo):
    with pytest.raises(ValueError, match="slug must match"):
        new_paper(mini_repo, "Bad-Slug", "t")
    with pytest.raises(ValueError, match="framework must be one of"):
        new_paper(mini_repo, "other", "t", framework="tensorflow")
    with pytest.raises(FileExistsError, match="exists"):
        new_paper(mini_repo, "toy", "t")
    assert package_name("random") == "random_paper" and package_name("toy") == "toy"


def test_sync_fills_tables_and_check_detects_staleness(mini_repo):
    assert sync(mini_repo, check=True) == [
        mini_repo / "README.md",
        mini_repo / "papers/toy/README.md",
    ]
    sync(mini_repo)
    assert sync(mini_repo, check=True) == []
    readme = (mini_repo / "README.md").read_text()
    assert "| [`toy`](papers/toy/) | A Toy Paper | numpy | in progress | – / 1 |" in readme
    (mini_repo / "papers/toy/results/full.json").write_text(json.dumps(RESULTS))
    assert sync(mini_repo, check=True)  # results changed: tables are stale
    sync(mini_repo)
    assert "| reproduced | 1 / 1 |" in (mini_repo / "README.md").read_text()
    assert "| holds |" in (mini_repo / "papers/toy/README.md").read_text()


def test_missing_markers_are_a_clear_error():
    with pytest.raises(ValueError, match="needs the markers"):
        replace_between("no markers", "papers-table", "body", source="README.md")


def test_discover_reads_metadata(mini_repo):
    (paper,) = discover(mini_repo)
    assert (paper.slug, paper.title, paper.framework, paper.package) == (
        "toy",
        "A Toy Paper",
        "numpy",
        "toy",
    )


def test_docs_sources(mini_repo):
    (mini_repo / "papers/toy/results/full.json").write_text(json.dumps(RESULTS))
    fig = mini_repo / "papers/toy/results/fig.png"
    fig.write_bytes(b"\x89PNG\r\n\x1a\n")
    readme = mini_repo / "papers/toy/README.md"
    readme.write_text(
        readme.read_text() + "\n![curve](results/fig.png) [code](src/toy/method.py)\n"
    )
    out = build_sources(mini_repo, mini_repo / "site")
    page = (out / "papers/toy.md").read_text()
    assert "![curve](toy/fig.png)" in page and "code (`src/toy/method.py`)" in page
    assert (out / "papers/toy/fig.png").exists()
    assert "(papers/toy.md)" in (out / "index.md").read_text()
    assert "A Toy Paper" in (out / "results.md").read_text()
    assert (out / "guide.md").read_text() == "# A guide\n" and (out / "contributing.md").exists()


def test_scaffolded_paper_passes_lint_and_its_own_tests(mini_repo, repo_root):
    paper = mini_repo / "papers" / "toy"
    shutil.copy2(repo_root / "ruff.toml", mini_repo / "ruff.toml")  # its `src` globs resolve here
    for cmd in (["check"], ["format", "--check"]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *cmd, "papers/toy"],
            cwd=mini_repo,
            capture_output=True,
            text=True,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr
    env = {**os.environ, "PYTHONPATH": str(paper / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(paper / "tests")],
        cwd=paper,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout


def test_ci_matrix_lists_every_paper(repo_root):
    done = subprocess.run(
        [sys.executable, str(repo_root / "ci" / "matrix.py")],
        capture_output=True,
        text=True,
        check=True,
    )
    include = json.loads(done.stdout)["include"]
    slugs = sorted(p.parent.name for p in (repo_root / "papers").glob("*/pyproject.toml"))
    assert [e["slug"] for e in include] == slugs
    assert all(e["framework"] in {"torch", "jax", "numpy"} for e in include)


def test_workflow_is_valid_and_runs_every_session(repo_root):
    wf = yaml.safe_load((repo_root / ".github/workflows/papers.yml").read_text())
    jobs = wf["jobs"]
    assert {"matrix", "lint", "shared", "paper", "claims", "docs"} <= set(jobs)
    assert jobs["paper"]["needs"] == "matrix"
    assert "fromJSON(needs.matrix.outputs.papers)" in jobs["paper"]["strategy"]["matrix"]
    runs = [step.get("run", "") for job in jobs.values() for step in job["steps"]]
    for session in ("nox -s lint", 'nox -s "tests(shared)"', "nox -s claims", "nox -s docs"):
        assert any(session in r for r in runs), session
    assert any("tests(${{ matrix.slug }})" in r for r in runs)
    assert "python ci/matrix.py" in " ".join(runs)
