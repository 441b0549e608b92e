import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dart_math.data import load_dart_pool, load_gsm8k, make_splits

GSM8K = [
    {"question": "Tom has 3 apples and buys 4. How many?", "answer": "3+4=7\n#### 7"},
    {"question": "Ann had 1,200 dollars and spent 34.", "answer": "1200-34=1166\n#### 1,166"},
    {"question": "A debt of 5 grows by -8.", "answer": "#### -3"},
]
POOL = [
    {"query": "What is 2+3?", "gt_ans": "5", "resp": "2+3=5. The answer is 5", "ans_correct": True},
    {"query": "What is 2+3?", "gt_ans": "5", "resp": "The answer is 6", "ans_correct": False},
    {"query": "What is 7*6?", "gt_ans": 42, "resp": "7*6=41", "ans_correct": False},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_splits_are_disjoint_and_sized():
    s = make_splits(0, n_seed=2000, pool_per_level=40, test_per_level=20, ood_per_level=10)
    assert len(s.seed) == 2000 and len(s.pool) == 200 and len(s.test) == 100 and len(s.ood) == 50
    held_out = {q.text for q in s.pool + s.test + s.ood}
    assert not held_out & {q.text for q in s.seed}  # no pool/test leakage into the seed set
    assert len({q.text for q in s.pool}) == 200 and len({q.text for q in s.test}) == 100
    counts = [sum(q.level == lv for q in s.seed) for lv in range(1, 6)]
    assert counts == [700, 500, 360, 240, 200]  # 35/25/18/12/10 %
    assert all(q.solution for q in s.seed)
    ood_operands = [
        int(x) for q in s.ood for x in q.text[2:-1].replace("*", "+").replace("-", "+").split("+")
    ]
    assert max(ood_operands) > 50


def test_gsm8k_loader(tmp_path):
    queries = load_gsm8k(write_jsonl(tmp_path / "gsm8k.jsonl", GSM8K))
    assert [q.gold for q in queries] == [7, 1166, -3]
    assert queries[0].id == "gsm8k-0" and queries[0].text.startswith("Tom")


def test_gsm8k_bad_rows(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(GSM8K[0]) + "\n{not json\n")
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        load_gsm8k(bad)
    write_jsonl(bad, [GSM8K[0], {"question": "q", "answer": "no marker"}])
    with pytest.raises(ValueError, match="query gsm8k-1: missing or unparseable gold"):
        load_gsm8k(bad)
    write_jsonl(bad, [{"question": "q", "answer": "#### 3.5"}])
    with pytest.raises(ValueError, match="query gsm8k-0: missing or unparseable gold"):
        load_gsm8k(bad)


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_dart_pool_loader(tmp_path, fmt):
    if fmt == "jsonl":
        path = write_jsonl(tmp_path / "pool.jsonl", POOL)
    else:
        rows = [dict(r, gt_ans=str(r["gt_ans"])) for r in POOL]
        path = tmp_path / "pool.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
    queries = load_dart_pool(path)
    assert [(q.id, q.text, q.gold) for q in queries] == [
        ("dart-0", "What is 2+3?", 5),
        ("dart-1", "What is 7*6?", 42),
    ]
    assert queries[0].solution == "2+3=5. The answer is 5" and queries[1].solution is None


def test_dart_pool_bad_rows(tmp_path):
    path = write_jsonl(tmp_path / "pool.jsonl", [*POOL[:2], dict(POOL[2], gt_ans="\\frac{1}{2}")])
    with pytest.raises(ValueError, match="query dart-1: missing or unparseable gold"):
        load_dart_pool(path)
    write_jsonl(path, [{"query": "q", "gt_ans": "1"}])
    with pytest.raises(ValueError, match=r"row 1 lacks fields \['resp', 'ans_correct'\]"):
        load_dart_pool(path)
    path.write_text(json.dumps(POOL[0]) + "\n" + json.dumps(POOL[1])[:-3] + "\n")
    with pytest.raises(ValueError, match="line 2"):
        load_dart_pool(path)


def test_bad_split_sizes():
    with pytest.raises(ValueError, match="pool_per_level"):
        make_splits(0, n_seed=10, pool_per_level=0, test_per_level=1, ood_per_level=1)
