import pytest

import papershelf
from papershelf.testing import run_preset, without_keys
from tensor_attention.reproduce import PRESETS, experiment

# wall-clock-derived entries, which differ between runs
TIMING_WORDS = ("_s", "slope", "speedup", "crossover", "peak", "float64_limit", "memory_stop")


def _untimed(node):
    return without_keys(node, TIMING_WORDS)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke")
    results = run_preset(
        paper="tensor_attention", presets=PRESETS, experiment=experiment, out_dir=out
    )
    return out, results


def test_smoke_preset_end_to_end(smoke):
    out, results = smoke
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
    second = run_preset(
        paper="tensor_attention", presets=PRESETS, experiment=experiment, out_dir=tmp_path
    )
    assert _untimed(second["metrics"]) == _untimed(first["metrics"])
    assert _untimed(first["metrics"])["match3"]["n12_m101"]["standard"]["loss_curve"]


def test_claims_file_is_valid_and_names_full_metrics():
    from pathlib import Path

    claims = papershelf.load_claims(Path(__file__).parents[1] / "claims.toml")
    assert {c.preset for c in claims} == {"full"}
    assert len(claims) >= 10
