"""The presets end to end: the smoke run's results file, and determinism."""

import dataclasses

import pytest

import papershelf
from papershelf.testing import run_preset, without_keys
from pointer_networks.reproduce import PRESETS, Config, experiment

TIMING = ("_s", "speedup")  # wall-clock entries (seconds, rates, ratios) differ per run

TINY = dataclasses.replace(
    PRESETS["smoke"],
    eval_size=20,
    curve_points=5,
    hull_steps=8,
    hull_baselines=("seq2seq_attn",),
    tsp_steps=4,
    tsp_pool_size=20,
    delaunay_steps=4,
    perf_instances=0,
)


def test_smoke_preset_end_to_end(tmp_path):
    results = run_preset(
        paper="pointer_networks", presets=PRESETS, experiment=experiment, out_dir=tmp_path
    )
    assert results["config"]["threads"] == 1 and results["config"]["hull_steps"] == 100
    m = results["metrics"]
    curve = m["hull"]["ptr"]["loss_curve"]
    assert curve[-1] < curve[0]  # the loss decreased
    assert m["hull"]["ptr"]["valid_pct"]["n5"] == 100.0  # greedy outputs are valid
    assert m["delaunay"]["ptr"]["valid_pct"]["n5"] == 100.0
    assert m["tsp"]["ptr_beam5"]["invalid_pct"]["n5"] == 0.0
    assert 0.0 <= m["hull"]["ptr"]["accuracy"]["n5"] <= 1.0
    assert m["perf"]["tsp8_speedup_vs_held_karp"] > 0
    assert m["perf"]["model_trained"] == 1.0
    for figure in ("hull_accuracy.png", "training_curves.png", "examples.png"):
        assert (tmp_path / figure).stat().st_size > 1000
    assert not (tmp_path / ".stages-smoke").exists()  # stages are cleaned up after success
    with pytest.raises(FileExistsError, match="overwrite"):
        papershelf.run(
            paper="pointer_networks",
            presets=PRESETS,
            experiment=experiment,
            preset="smoke",
            out_dir=tmp_path,
        )


def test_same_seed_same_metrics(tmp_path):
    presets = {"smoke": TINY, "quick": TINY, "full": TINY}
    runs = []
    for name in ("a", "b"):
        results = run_preset(
            paper="pointer_networks",
            presets=presets,
            experiment=experiment,
            seed=3,
            out_dir=tmp_path / name,
        )
        runs.append(without_keys(results["metrics"], TIMING))
    assert runs[0] == runs[1]
    assert runs[0]["hull"]["seq2seq_attn"]["loss_curve"] != runs[0]["hull"]["ptr"]["loss_curve"]


def test_presets_follow_the_spec():
    assert set(PRESETS) == {"smoke", "quick", "full"}
    assert all(isinstance(c, Config) and c.threads == 1 for c in PRESETS.values())
    smoke, quick, full = PRESETS["smoke"], PRESETS["quick"], PRESETS["full"]
    assert (smoke.hull_train_n, smoke.hull_steps) == ((5, 5), 100)
    assert (quick.hull_train_n, quick.hull_steps) == ((5, 10), 2500)
    assert (full.hull_steps, full.tsp_steps, full.delaunay_steps) == (8000, 6000, 4000)
    assert full.hull_eval_n == (5, 10, 15, 20) and "seq2seq_attn" in full.hull_baselines
    assert (full.tsp_pool_size, full.tsp_train_n, full.tsp_beam) == (60_000, (5, 10), 5)
    assert (full.hidden, full.batch_size, full.lr, full.clip) == (128, 128, 1e-3, 2.0)
    assert (full.perf_n, full.perf_instances) == (12, 1000)
