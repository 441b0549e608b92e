import dataclasses
import json
import os

import numpy as np
import pytest

from papershelf import atomic_write, load_results, lookup, write_json_atomic, write_results
from papershelf.results import REQUIRED_KEYS, to_jsonable


@dataclasses.dataclass
class Cfg:
    n: int
    sizes: tuple = (5, 10)
    threads: int = 1


def test_write_results_schema(tmp_path):
    path = write_results(
        tmp_path,
        paper="demo",
        preset="smoke",
        seed=3,
        config=Cfg(n=4),
        metrics={"a": {"b": np.float32(0.5), "curve": np.arange(3)}},
        duration_s=1.23456,
        threads={"torch": 1},
    )
    assert path == tmp_path / "smoke.json"
    data = load_results(path)
    assert set(REQUIRED_KEYS) <= set(data)
    assert data["config"] == {"n": 4, "sizes": [5, 10], "threads": 1}
    assert data["metrics"] == {"a": {"b": 0.5, "curve": [0, 1, 2]}}
    assert data["environment"]["threads"] == {"torch": 1}
    assert data["environment"]["python"].startswith("3.")
    assert "numpy" in data["environment"]["packages"]
    assert "git_commit" in data
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    umask = os.umask(0o022)
    os.umask(umask)
    assert (
        path.stat().st_mode & 0o777 == 0o666 & ~umask
    )  # readable like any file, not mkstemp's 0600


def test_existing_file_is_not_overwritten_silently(tmp_path):
    write_json_atomic(tmp_path / "x.json", {"v": 1})
    with pytest.raises(FileExistsError, match="overwrite"):
        write_json_atomic(tmp_path / "x.json", {"v": 2})
    assert json.loads((tmp_path / "x.json").read_text()) == {"v": 1}
    write_json_atomic(tmp_path / "x.json", {"v": 2}, overwrite=True)
    assert json.loads((tmp_path / "x.json").read_text()) == {"v": 2}


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    write_json_atomic(tmp_path / "x.json", {"v": 1})
    with pytest.raises(TypeError, match="cannot write object"):
        write_json_atomic(tmp_path / "x.json", {"v": object()}, overwrite=True)
    assert json.loads((tmp_path / "x.json").read_text()) == {"v": 1}
    assert os.listdir(tmp_path) == ["x.json"]


def test_non_finite_metrics_are_refused():
    with pytest.raises(ValueError, match="finite"):
        to_jsonable({"loss": float("nan")})


def test_load_results_names_missing_key(tmp_path):
    p = tmp_path / "full.json"
    p.write_text(json.dumps({"paper": "x", "metrics": {}}))
    with pytest.raises(ValueError, match=r"full.json: missing required key\(s\) \['preset'"):
        load_results(p)
    p.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_results(p)


def test_lookup_dotted_keys():
    m = {"hull": {"ptr": {"accuracy": {"n10": 0.7}}}}
    assert lookup(m, "hull.ptr.accuracy.n10") == 0.7
    with pytest.raises(KeyError):
        lookup(m, "hull.ptr.accuracy.n20")


def test_atomic_write_any_format(tmp_path):
    path = atomic_write(tmp_path / "a.npz", lambda tmp: np.savez(tmp, x=np.arange(3)))
    assert np.load(path)["x"].tolist() == [0, 1, 2]

    def broken(tmp):
        tmp.write_bytes(b"partial")
        raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError, match="writer failed"):
        atomic_write(path, broken, overwrite=True)
    assert np.load(path)["x"].tolist() == [0, 1, 2]  # the old file is intact
    assert os.listdir(tmp_path) == ["a.npz"]  # and no temp file is left
    with pytest.raises(FileExistsError, match="overwrite"):
        atomic_write(path, lambda tmp: None)
