import json

import pytest

import papershelf
from tensor_attention.reproduce import PRESETS, experiment

TIMING_WORDS = ("_s", "slope", "speedup", "crossover", "peak", "float64_limit", "memory_stop")


def _untimed(node, path=""):
    """The metrics without wall-clock-derived leaves (which differ between runs)."""
    if isinstance(node, dict):
        return {
            k: _untimed(v, f"{path}.{k}")
            for k, v in node.items()
            if not any(w in k for w in TIMING_WORDS)
        }
    return node


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke")
    path = papershelf.run(
        paper="tensor_attention",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=out,
    )
    return out, papershelf.load_results(path)


def test_smoke_preset_end_to_end(smoke):
    out, results = smoke
    for key in ("paper", "preset", "seed", "config", "metrics", "duration_s", "environment"):
        assert key in results
    assert results["paper"] == "tensor_attention" and results["preset"] == "smoke"
    assert results["config"]["threads"] == 1
    m = results["metrics"]
    assert m["scaling"]["max_abs_error"] <= PRESETS["smoke"].eps
    assert m["order3"]["max_abs_error"] <= PRESETS["smoke"].eps
    assert m["match3"]["tensor"]["accuracy_min"] == 1.0
    assert m["boundedness"]["gstar_nondecreasing"] == 1.0
    assert m["boundedness"]["gstar"]["b2_00"] >= m["boundedness"]["gstar"]["b1_00"]
    for name in ("scaling.png", "boundedness.png", "crossover_b.png"):
        assert (out / name).stat().st_size > 1000


def test_same_seed_same_metrics(smoke, tmp_path):
    _, first = smoke
    again = papershelf.run(
        paper="tensor_attention",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path,
    )
    second = json.loads(again.read_text())
    assert _untimed(second["metrics"]) == _untimed(first["metrics"])
    assert _untimed(first["metrics"])["match3"]["n12_m101"]["standard"]["loss_curve"]


def test_claims_file_is_valid_and_names_full_metrics():
    from pathlib import Path

    claims = papershelf.load_claims(Path(__file__).parents[1] / "claims.toml")
    assert {c.preset for c in claims} == {"full"}
    assert len(claims) >= 10
