"""The data: a seed set for the synthesis agent, the query pool, test sets, and real-data loaders.

Procedural sets (all disjoint by expression, so no pool or test query leaks into the seed set):

- seed set   gold step solutions the synthesis agent learns from, easy-biased level mix
             (35/25/18/12/10 %, like real corpora);
- pool       the queries DARS synthesises responses for, equal per level, answers only;
- test       in-domain, equal per level; OOD: the same levels with operands 51–99.

Loaders read the paper's real formats from a local path and return `Query(id, text, gold)`:
GSM8K jsonl (`question`, `answer` ending in `#### n`) and the DART-Math pool (`query`,
`gt_ans`, `resp`, `ans_correct`) as jsonl or parquet (via pyarrow). Gold answers must be
integers, since the checker compares integers exactly.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dart_math.tasks import Query, make_problem, to_query

SEED_LEVEL_MIX = (0.35, 0.25, 0.18, 0.12, 0.10)
LEVELS = (1, 2, 3, 4, 5)
OOD_RANGE = (51, 99)


@dataclass(frozen=True)
class Splits:
    """seed (with gold solutions), pool, test and OOD query lists."""

    seed: list[Query]
    pool: list[Query]
    test: list[Query]
    ood: list[Query]


def _draw(
    rng: random.Random,
    counts: Sequence[int],
    prefix: str,
    seen: set[str],
    lo: int = 0,
    hi: int = 50,
    distinct: bool = True,
) -> list[Query]:
    """counts[l-1] queries of level l whose expressions are not in `seen`; with `distinct` they
    are also pairwise distinct and added to `seen`. (Level 1 has only about 5,000 expressions,
    so the 20k seed set repeats some of them; it never repeats a pool or test query.)"""
    out = []
    for level, count in zip(LEVELS, counts, strict=True):
        made = misses = 0
        while made < count:
            problem = make_problem(rng, level, lo, hi)
            if problem.prompt in seen:
                misses += 1
                if misses > 100_000:
                    raise ValueError(f"cannot draw {count} distinct level-{level} queries")
                continue
            if distinct:
                seen.add(problem.prompt)
            out.append(to_query(problem, f"{prefix}-{len(out)}"))
            made += 1
    return out


def make_splits(
    seed: int, *, n_seed: int, pool_per_level: int, test_per_level: int, ood_per_level: int
) -> Splits:
    """Disjoint splits. Pool and tests are drawn first, then the seed set avoids all of them."""
    for name, value in (
        ("n_seed", n_seed),
        ("pool_per_level", pool_per_level),
        ("test_per_level", test_per_level),
        ("ood_per_level", ood_per_level),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    rng = random.Random(seed)
    seen: set[str] = set()
    pool = _draw(rng, [pool_per_level] * 5, "pool", seen)
    test = _draw(rng, [test_per_level] * 5, "test", seen)
    ood = _draw(rng, [ood_per_level] * 5, "ood", seen, *OOD_RANGE)
    counts = [round(n_seed * share) for share in SEED_LEVEL_MIX]
    counts[0] += n_seed - sum(counts)
    seed_set = _draw(rng, counts, "seed", seen, distinct=False)
    rng.shuffle(seed_set)
    return Splits(seed=seed_set, pool=pool, test=test, ood=ood)


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(1-based line number, object) for each non-blank line; a malformed line is an error
    naming its number."""
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}: line {number} is not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}: line {number} is not a JSON object")
            yield number, row


def parse_gold(value: Any, qid: str) -> int:
    """An integer gold answer from an int or a string like '1,234' or ' 72 '."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?[\d,]+\s*", value):
        digits = value.strip().replace(",", "")
        if digits.lstrip("-").isdigit():
            return int(digits)
    raise ValueError(f"query {qid}: missing or unparseable gold answer {value!r} (need an integer)")


def load_gsm8k(path: str | Path) -> list[Query]:
    """GSM8K jsonl, one {"question": ..., "answer": "...#### 72"} per line -> Query("gsm8k-<i>")."""
    path = Path(path)
    out = []
    for number, row in _jsonl_rows(path):
        qid = f"gsm8k-{len(out)}"
        if "question" not in row:
            raise ValueError(f"{path}: line {number} (query {qid}) has no 'question'")
        text = str(row.get("answer", ""))
        gold = text.rsplit("####", 1)[1] if "####" in text else None
        out.append(Query(id=qid, text=row["question"], gold=parse_gold(gold, qid)))
    return out


_POOL_FIELDS = ("query", "gt_ans", "resp", "ans_correct")


def _pool_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        yield from enumerate(pq.read_table(path).to_pylist(), start=1)
    else:
        yield from _jsonl_rows(path)


def load_dart_pool(path: str | Path) -> list[Query]:
    """DART-Math synthesis records (jsonl or .parquet; fields query, gt_ans, resp, ans_correct),
    one row per response, merged to one Query per distinct query text (id = f"dart-{i}" in order
    of first appearance); `solution` is the first response marked correct."""
    path = Path(path)
    queries: dict[str, Query] = {}
    for number, row in _pool_rows(path):
        missing = [f for f in _POOL_FIELDS if f not in row]
        if missing:
            raise ValueError(f"{path}: row {number} lacks fields {missing}")
        text = row["query"]
        known = queries.get(text)
        qid = known.id if known else f"dart-{len(queries)}"
        gold = parse_gold(row["gt_ans"], qid)
        solution = known.solution if known else None
        if solution is None and row["ans_correct"]:
            solution = row["resp"]
        queries[text] = Query(id=qid, text=text, gold=gold, solution=solution)
    if not queries:
        raise ValueError(f"{path}: no rows")
    return list(queries.values())
