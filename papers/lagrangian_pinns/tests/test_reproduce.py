import math

import jax
import pytest

from lagrangian_pinns.reproduce import PRESETS, Config, experiment
from papershelf.testing import run_preset, without_keys

TIMING = ("train_s", "steps_per_s")  # wall clock differs per run


@pytest.fixture(autouse=True)
def float32():
    """Run the presets in float32, as the command line does (conftest switches x64 on)."""
    jax.config.update("jax_enable_x64", False)
    yield
    jax.config.update("jax_enable_x64", True)


def test_smoke_preset_end_to_end(tmp_path):
    results = run_preset(
        paper="lagrangian_pinns", presets=PRESETS, experiment=experiment, out_dir=tmp_path
    )
    lp = results["metrics"]["convection"]["lpinn"]["c50"]
    assert lp["loss_drop"] >= 10 and lp["rel_l2"] <= 0.25
    assert (tmp_path / "error_vs_c.png").exists()


def test_same_seed_gives_the_same_metrics(tmp_path):
    tiny = Config(n=8, m=6, steps=100, pinn_cs=(), lpinn_cs=(-20,), eval_n=32, eval_m=10)
    presets = {**PRESETS, "smoke": tiny}
    runs = [
        run_preset(
            paper="lagrangian_pinns",
            presets=presets,
            experiment=experiment,
            seed=3,
            out_dir=tmp_path / str(i),
        )["metrics"]
        for i in range(2)
    ]
    assert without_keys(runs[0], TIMING) == without_keys(runs[1], TIMING)
    assert math.isfinite(runs[0]["convection"]["lpinn"]["cm20"]["rel_l2"])
