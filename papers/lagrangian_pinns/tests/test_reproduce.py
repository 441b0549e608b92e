import math

import jax
import pytest

import papershelf
from lagrangian_pinns.reproduce import PRESETS, Config, experiment

TIMING = {"train_s", "steps_per_s"}


@pytest.fixture(autouse=True)
def float32():
    """Run the presets in float32, as the command line does (conftest switches x64 on)."""
    jax.config.update("jax_enable_x64", False)
    yield
    jax.config.update("jax_enable_x64", True)


def _strip_timing(tree):
    if isinstance(tree, dict):
        return {k: _strip_timing(v) for k, v in tree.items() if k not in TIMING}
    return tree


def test_smoke_preset_end_to_end(tmp_path):
    path = papershelf.run(
        paper="lagrangian_pinns",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path,
    )
    results = papershelf.load_results(path)
    for key in ("paper", "preset", "seed", "config", "metrics", "duration_s", "environment"):
        assert key in results
    assert results["preset"] == "smoke" and results["seed"] == 0
    lp = results["metrics"]["convection"]["lpinn"]["c50"]
    assert lp["loss_drop"] >= 10 and lp["rel_l2"] <= 0.25
    assert (tmp_path / "error_vs_c.png").exists()


def test_same_seed_gives_the_same_metrics(tmp_path):
    tiny = Config(n=8, m=6, steps=100, pinn_cs=(), lpinn_cs=(-20,), eval_n=32, eval_m=10)
    presets = {**PRESETS, "smoke": tiny}
    runs = [
        papershelf.load_results(
            papershelf.run(
                paper="lagrangian_pinns",
                presets=presets,
                experiment=experiment,
                preset="smoke",
                seed=3,
                out_dir=tmp_path / str(i),
            )
        )["metrics"]
        for i in range(2)
    ]
    assert _strip_timing(runs[0]) == _strip_timing(runs[1])
    assert math.isfinite(runs[0]["convection"]["lpinn"]["cm20"]["rel_l2"])
