import dataclasses

import pytest

from papershelf import RunContext
from papershelf.testing import check_results, run_preset, without_keys


@dataclasses.dataclass(frozen=True)
class Cfg:
    n: int
    threads: int = 1


PRESETS = {"smoke": Cfg(2), "quick": Cfg(3), "full": Cfg(4)}


def experiment(config: Cfg, ctx: RunContext) -> dict:
    import numpy as np

    x = np.random.default_rng(ctx.seed).random(config.n)
    return {"mean": float(x.mean()), "n": config.n, "timing": {"wall_s": 0.1}, "ok": True}


def test_run_preset_returns_checked_results_and_is_seeded(tmp_path):
    a = run_preset(paper="demo", presets=PRESETS, experiment=experiment, out_dir=tmp_path / "a")
    b = run_preset(paper="demo", presets=PRESETS, experiment=experiment, out_dir=tmp_path / "b")
    c = run_preset(
        paper="demo", presets=PRESETS, experiment=experiment, out_dir=tmp_path / "c", seed=1
    )
    assert a["preset"] == "smoke" and a["metrics"]["n"] == 2
    assert a["metrics"] == b["metrics"] and a["metrics"] != c["metrics"]
    q = run_preset(
        paper="demo", presets=PRESETS, experiment=experiment, out_dir=tmp_path, preset="quick"
    )
    assert q["config"] == {"n": 3, "threads": 1}


def _results(**change):
    good = {
        "paper": "demo",
        "preset": "smoke",
        "seed": 0,
        "config": {"threads": 1},
        "metrics": {"a": 1.0, "b": [1, 2], "c": {"d": None, "e": "x"}},
        "duration_s": 0.5,
        "environment": {"python": "3.11", "packages": {}, "cpu": "x", "threads": {}},
    }
    return good | change


def test_check_results_accepts_the_schema():
    check_results(_results(), paper="demo", preset="smoke", seed=0)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"paper": "other"}, "paper"),
        ({"preset": "full"}, "preset"),
        ({"seed": 3}, "seed"),
        ({"metrics": {}}, "empty"),
        ({"metrics": {"a": float("inf")}}, "metric a is inf"),
        ({"metrics": {"a": {"b": [1.0, float("nan")]}}}, r"metric a\.b\[1\] is nan"),
        ({"metrics": {"a": object()}}, "type"),
        ({"duration_s": -1.0}, "duration_s"),
        ({"environment": {"python": "3.11"}}, "environment lacks"),
    ],
)
def test_check_results_rejects(change, match):
    with pytest.raises(AssertionError, match=match):
        check_results(_results(**change), paper="demo", preset="smoke", seed=0)


def test_check_results_names_a_missing_key():
    r = _results()
    del r["config"]
    with pytest.raises(AssertionError, match="config"):
        check_results(r, paper="demo", preset="smoke", seed=0)


def test_without_keys_drops_matching_entries_at_any_depth():
    tree = {"acc": 1.0, "wall_s": 2.0, "arm": {"speedup": 3.0, "n": [{"x_wall_s": 1, "y": 2}]}}
    assert without_keys(tree, ("wall_s", "speedup")) == {"acc": 1.0, "arm": {"n": [{"y": 2}]}}
    assert without_keys(tree, ()) == tree
