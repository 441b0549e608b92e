import json

import papershelf
from continual_inference.reproduce import PRESETS, experiment


def test_smoke_preset_end_to_end_and_deterministic(tmp_path):
    path = papershelf.run(
        paper="continual_inference",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path,
    )
    results = papershelf.load_results(path)
    for key in ("paper", "preset", "seed", "config", "metrics", "duration_s", "environment"):
        assert key in results
    assert results["preset"] == "smoke" and results["paper"] == "continual_inference"
    m = results["metrics"]["exact"]
    assert m["conv3d_max_abs_err"] < 1e-12
    assert m["residual_max_abs_err"] < 1e-12
    assert m["single_output_attn_max_abs_err"] < 1e-12
    assert m["retroactive_attn_max_abs_err"] < 1e-12
    again = papershelf.run(
        paper="continual_inference",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path / "again",
        seed=0,
    )
    assert json.loads(again.read_text())["metrics"] == results["metrics"]
