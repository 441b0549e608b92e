from papershelf.testing import run_preset
from qsurvey.reproduce import PRESETS, experiment


def test_smoke_preset_end_to_end_and_deterministic(tmp_path):
    kw = dict(paper="quantization_survey", presets=PRESETS, experiment=experiment)
    r = run_preset(**kw, out_dir=tmp_path)
    assert r["config"]["threads"] == 1
    d = r["metrics"]["digits"]
    assert d["fp_acc"] > 90
    assert d["integer"]["integer_only_ops"] == 1.0
    assert d["integer"]["lsb_agreement"] >= 0.999
    assert 3.9 <= d["bytes"]["fp32_over_int8"] <= 4.0
    assert (tmp_path / "quantization_survey.png").exists()
    assert run_preset(**kw, out_dir=tmp_path / "again")["metrics"] == r["metrics"]
