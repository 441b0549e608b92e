import json

import numpy as np
import pytest

from succinct_paging import cyclic, load_checkins, ping_pong, zipf_drift
from succinct_paging.run import main as run_main

USERS = {"0": 12, "1": 10, "7": 8}  # 30 check-ins


def write_checkins(path, blank_lines=True):
    """A SNAP-format file: per user, newest first; location id = 'L<time step mod 5>'."""
    lines = []
    for user, count in USERS.items():
        for step in reversed(range(count)):
            time = f"2010-10-{10 + step:02d}T0{step % 10}:48:53Z"
            lines.append(f"{user}\t{time}\t39.7{step}\t-104.9{step}\tL{step % 5}")
        if blank_lines:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_zipf_drift_shape_range_and_determinism():
    seq = zipf_drift(3000, 40, seed=3)
    assert seq.shape == (3000,) and seq.dtype == np.int64
    assert 0 <= seq.min() and seq.max() < 40
    assert (seq == zipf_drift(3000, 40, seed=3)).all()
    assert not (seq == zipf_drift(3000, 40, seed=4)).all()


def test_zipf_drift_redraws_the_popular_pages_every_block():
    seq = zipf_drift(200 * 30, 50, alpha=1.5, reshuffle=200, seed=0)
    top = [np.bincount(seq[i : i + 200], minlength=50).argmax() for i in range(0, len(seq), 200)]
    assert len(set(top)) > 10  # the most popular page moves
    block = seq[:200]
    assert np.bincount(block, minlength=50).max() > 200 / 50 * 5  # and is skewed inside a block


def test_cyclic_and_ping_pong():
    assert cyclic(3, 7).tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert ping_pong(6).tolist() == [0, 1, 2, 1, 2, 1]


def test_load_checkins_reverses_to_time_order_and_skips_blank_lines(tmp_path):
    path = write_checkins(tmp_path / "loc-brightkite_totalCheckins.txt")
    traces = load_checkins(path)
    assert {u: len(t) for u, t in traces.items()} == USERS
    assert traces["0"] == [f"L{step % 5}" for step in range(12)]  # oldest first
    assert load_checkins(path, user="7") == [f"L{step % 5}" for step in range(8)]


def test_load_checkins_bad_row_names_its_line(tmp_path):
    path = write_checkins(tmp_path / "checkins.txt", blank_lines=False)
    lines = path.read_text().splitlines()
    lines[4] = "0\tnot-a-time\t1.0\t2.0\tL1"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"checkins.txt:5: bad time"):
        load_checkins(path)
    lines[4] = "0\t2010-10-17T01:48:53Z\t1.0\tL1"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"checkins.txt:5: expected 5 tab-separated fields"):
        load_checkins(path)


def test_load_checkins_unknown_user_and_missing_file(tmp_path):
    path = write_checkins(tmp_path / "checkins.txt")
    with pytest.raises(ValueError, match="user '42'"):
        load_checkins(path, user="42")
    with pytest.raises(ValueError, match="path"):
        load_checkins(tmp_path / "nope.txt")


def test_run_cli_evaluates_a_checkin_trace(tmp_path):
    path = write_checkins(tmp_path / "checkins.txt")
    argv = ["--checkins", str(path), "--user", "0", "--k", "2", "--out", str(tmp_path / "o")]
    assert run_main(argv) == 0
    result = json.loads((tmp_path / "o" / "checkins.json").read_text())
    assert result["n"] == 6 and result["k"] == 2
    assert result["mark0_det"]["oracle"] == result["opt"]
    assert run_main(argv) == 2  # no silent overwrite
