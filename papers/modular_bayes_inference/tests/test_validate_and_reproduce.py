import json

import numpy as np
import pytest

from modular_bayes_inference import data, suite
from modular_bayes_inference.parallel import map_seeded
from modular_bayes_inference.reproduce import PRESETS, Config, experiment
from modular_bayes_inference.validate import chi2_test, holm, z_test
from papershelf.testing import run_preset, without_keys

TINY = Config(
    replicates=8, particles=10, variance_particles=(5, 10), variance_replicates=8,
    block_replicates=20, mh_chains=16, mh_chain_steps=2, filter_particles=20,
    rmsmc_particles=10, rmsmc_moves=1, rmsmc_runs=1, mh_steps=50, mh_burn_in=5,
    rm_observations=10, rm_particles=10, rm_runs=1, pmmh_chains=1, pmmh_steps=6,
    pmmh_burn_in=1, pmmh_particles=5, bench_particles=10, bench_repeats=1, z_bar=4.0,
)  # fmt: skip


def test_holm_matches_the_step_down_definition():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.2]), [0.04, 0.09, 0.09, 0.2])


def test_z_test_and_chi2_test():
    rng = np.random.default_rng(0)
    assert z_test("ok", rng.normal(1.0, 1.0, 400), 1.0).p > 1e-3
    assert z_test("biased", rng.normal(1.3, 1.0, 400), 1.0).p < 1e-6
    assert z_test("exact", np.ones(5), 1.0).p == 1.0
    probs = {0: 0.7, 1: 0.2, 2: 0.06, 3: 0.04}
    draws = rng.choice(4, size=500, p=list(probs.values()))
    assert chi2_test("fit", list(draws), probs).p > 1e-3
    assert chi2_test("unseen", [*draws, 9], probs).p == 0.0


def test_unnormalized_preservation_catches_the_resampling_controls_on_m4():
    seeds = np.random.SeedSequence(0)
    ex = suite.exact(suite.M4)
    for res, must_fail in (("systematic", False), ("keep_weights", True), ("off_by_one", True)):
        case = suite.Case(suite.M4, "smc", 30, res)
        y = np.array(map_seeded(suite.integrals_replicate, [case] * 60, seeds))
        p = min(
            z_test(n, y[:, j], t).p
            for j, (n, t) in enumerate(zip(ex.names, ex.targets, strict=True))
        )
        assert (p < 1e-4) if must_fail else (p > 1e-4)


def test_results_are_identical_across_worker_counts():
    case = suite.Case(suite.M4, "smc", 10, "multinomial")
    seq = np.random.SeedSequence(42)
    one = map_seeded(suite.integrals_replicate, [case] * 6, seq, workers=1)
    two = map_seeded(suite.integrals_replicate, [case] * 6, seq, workers=2)
    np.testing.assert_array_equal(np.array(one), np.array(two))
    with pytest.raises(ValueError, match="workers must be >= 1"):
        map_seeded(suite.integrals_replicate, [case], seq, workers=0)


def test_loader_reads_csv_and_json(tmp_path):
    (tmp_path / "obs.csv").write_text("symbol\n3\n0\n1\n")
    (tmp_path / "obs.json").write_text(json.dumps({"observations": [3, 0, 1]}))
    (tmp_path / "list.json").write_text("[3, 0, 1]")
    for name in ("obs.csv", "obs.json", "list.json"):
        np.testing.assert_array_equal(data.load_observations(tmp_path / name), [3, 0, 1])
    (tmp_path / "bad.json").write_text(json.dumps({"y": [1]}))
    with pytest.raises(ValueError, match="must have the key 'observations'"):
        data.load_observations(tmp_path / "bad.json")
    (tmp_path / "bad.txt").write_text("1")
    with pytest.raises(ValueError, match=r"must end in \.csv or \.json"):
        data.load_observations(tmp_path / "bad.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load_observations(tmp_path / "missing.csv")


def test_problem_rejects_unknown_models():
    with pytest.raises(ValueError, match="kind must be one of"):
        suite.Problem("m9", ())


def _run(tmp_path, presets, **kw):
    return run_preset(
        paper="modular_bayes_inference", presets=presets, experiment=experiment,
        out_dir=tmp_path, **kw,
    )  # fmt: skip


def test_smoke_preset_end_to_end(tmp_path):
    results = _run(tmp_path, PRESETS)
    m = results["metrics"]
    assert m["evidence"]["max_abs_dev_in_se"] <= 4.0  # smoke's loose z bar
    assert m["validity"]["valid_all_pass"] == 1.0
    for name in ("m4_resample_keep_weights", "m4_systematic_off_by_one"):
        assert m["validity"]["control_min_p"][name] < 1e-6
    assert m["validity"]["control_min_p"]["mh_no_dim_factor_m4"] < 1e-3
    assert (tmp_path / "validity.png").stat().st_size > 1000


def test_same_seed_gives_the_same_metrics(tmp_path):
    presets = {**PRESETS, "smoke": TINY}
    a = _run(tmp_path / "a", presets, seed=3)["metrics"]
    b = _run(tmp_path / "b", presets, seed=3)["metrics"]
    assert without_keys(a, ("bench",)) == without_keys(b, ("bench",))  # bench: wall clock


def test_m1_data_path_is_loaded_and_checked(tmp_path):
    (tmp_path / "obs.csv").write_text("5\n1\n")
    cfg = Config(**{**TINY.__dict__, "m1_data": str(tmp_path / "obs.csv")})
    from modular_bayes_inference.reproduce import problems

    with pytest.raises(ValueError, match=r"M1 symbols must be integers in 0\.\.3"):
        problems(cfg)
