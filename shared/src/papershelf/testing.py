"""Helpers for the one test every paper has: run a preset end to end and check what it wrote.

    from papershelf.testing import run_preset, without_keys

    def test_smoke(tmp_path):
        kw = dict(paper="x", presets=PRESETS, experiment=experiment)
        r = run_preset(**kw, out_dir=tmp_path / "a")
        again = run_preset(**kw, out_dir=tmp_path / "b")
        assert without_keys(r["metrics"], TIMING) == without_keys(again["metrics"], TIMING)

`run_preset` goes through `papershelf.run` (the same path as the CLI), reads the file back and
checks the whole results schema, not just that the keys exist. Plain asserts, so pytest shows
the values; no pytest import, so paper code could use it too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from papershelf.results import REQUIRED_KEYS, load_results
from papershelf.runner import RunContext, run


def _numbers(node: Any, where: str) -> None:
    """Every leaf of a metrics tree is a finite number, a bool, a string or None."""
    if isinstance(node, Mapping):
        for k, v in node.items():
            assert isinstance(k, str), f"metrics key {k!r} at {where or '<root>'} is not a string"
            _numbers(v, f"{where}.{k}" if where else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _numbers(v, f"{where}[{i}]")
    elif isinstance(node, float):
        assert math.isfinite(node), f"metric {where} is {node}"
    else:
        assert node is None or isinstance(node, int | str), f"metric {where} has type {type(node)}"


def check_results(results: Mapping[str, Any], *, paper: str, preset: str, seed: int) -> None:
    """Assert that a loaded results file has the house schema and belongs to this run."""
    for key in REQUIRED_KEYS:
        assert key in results, f"results lack {key!r}"
    assert results["paper"] == paper, f"paper {results['paper']!r} != {paper!r}"
    assert results["preset"] == preset, f"preset {results['preset']!r} != {preset!r}"
    assert results["seed"] == seed, f"seed {results['seed']!r} != {seed!r}"
    assert isinstance(results["config"], dict) and isinstance(results["config"].get("threads"), int)
    assert isinstance(results["metrics"], dict) and results["metrics"], "metrics are empty"
    _numbers(results["metrics"], "")
    duration = results["duration_s"]
    assert isinstance(duration, float) and duration >= 0.0, f"duration_s {duration!r}"
    env = results["environment"]
    for key in ("python", "packages", "cpu", "threads"):
        assert key in env, f"environment lacks {key!r}"


def run_preset(
    *,
    paper: str,
    presets: Mapping[str, Any],
    experiment: Callable[[Any, RunContext], Mapping[str, Any]],
    out_dir: str | Path,
    preset: str = "smoke",
    seed: int = 0,
) -> dict[str, Any]:
    """Run `preset` through `papershelf.run` into `out_dir`, check the file, return its content."""
    path = run(
        paper=paper,
        presets=presets,
        experiment=experiment,
        preset=preset,
        seed=seed,
        out_dir=out_dir,
    )
    assert path == Path(out_dir) / f"{preset}.json", f"results written to {path}"
    results = load_results(path)
    check_results(results, paper=paper, preset=preset, seed=seed)
    return results


def without_keys(tree: Any, parts: Iterable[str]) -> Any:
    """`tree` with every mapping entry whose key contains one of `parts` removed, at any depth.

    For comparing the metrics of two seeded runs: wall-clock entries differ between runs.
    """
    parts = tuple(parts)
    if isinstance(tree, Mapping):
        kept = {k: v for k, v in tree.items() if not any(p in k for p in parts)}
        return {k: without_keys(v, parts) for k, v in kept.items()}
    if isinstance(tree, list):
        return [without_keys(v, parts) for v in tree]
    return tree
