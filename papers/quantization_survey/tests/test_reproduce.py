import papershelf
from qsurvey.reproduce import PRESETS, experiment


def test_smoke_preset_end_to_end_and_deterministic(tmp_path):
    path = papershelf.run(
        paper="quantization_survey",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path,
    )
    r = papershelf.load_results(path)
    for key in ("paper", "preset", "seed", "config", "metrics", "duration_s", "environment"):
        assert key in r
    assert r["paper"] == "quantization_survey" and r["preset"] == "smoke" and r["seed"] == 0
    assert r["config"]["threads"] == 1
    d = r["metrics"]["digits"]
    assert d["fp_acc"] > 90
    assert d["integer"]["integer_only_ops"] == 1.0
    assert d["integer"]["lsb_agreement"] >= 0.999
    assert 3.9 <= d["bytes"]["fp32_over_int8"] <= 4.0
    assert (tmp_path / "quantization_survey.png").exists()
    again = papershelf.run(
        paper="quantization_survey",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path / "again",
    )
    assert papershelf.load_results(again)["metrics"] == r["metrics"]
