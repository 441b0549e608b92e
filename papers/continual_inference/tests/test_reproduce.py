from continual_inference.reproduce import PRESETS, experiment
from papershelf.testing import run_preset


def test_smoke_preset_end_to_end_and_deterministic(tmp_path):
    kw = dict(paper="continual_inference", presets=PRESETS, experiment=experiment)
    results = run_preset(**kw, out_dir=tmp_path)
    m = results["metrics"]["exact"]
    assert m["conv3d_max_abs_err"] < 1e-12
    assert m["residual_max_abs_err"] < 1e-12
    assert m["single_output_attn_max_abs_err"] < 1e-12
    assert m["retroactive_attn_max_abs_err"] < 1e-12
    assert run_preset(**kw, out_dir=tmp_path / "again")["metrics"] == results["metrics"]
