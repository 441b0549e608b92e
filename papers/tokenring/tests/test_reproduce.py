import json

import papershelf
from tokenring.reproduce import PRESETS, experiment


def test_smoke_preset_end_to_end_and_deterministic(tmp_path):
    path = papershelf.run(
        paper="tokenring", presets=PRESETS, experiment=experiment, preset="smoke", out_dir=tmp_path
    )
    results = papershelf.load_results(path)
    for key in ("paper", "preset", "seed", "config", "metrics", "duration_s", "environment"):
        assert key in results
    assert results["preset"] == "smoke" and results["paper"] == "tokenring"
    m = results["metrics"]
    assert m["exact"]["max_abs_err_out"] < 1e-10
    assert m["exact"]["ledger"]["busiest_link_ratio_mesh_max"] <= 0.55
    assert (tmp_path / "tokenring.png").exists()
    again = papershelf.run(
        paper="tokenring",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path / "again",
    )
    m2 = json.loads(again.read_text())["metrics"]
    # wall-clock timings differ run to run; everything computed is identical
    assert m2["exact"] == m["exact"] and m2["model"] == m["model"]
