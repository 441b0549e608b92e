import pytest
from hypothesis import given
from hypothesis import strategies as st

from papershelf import ClaimsError, evaluate, load_claims, render_table
from papershelf.claims import metric_keys, parse_claims

GOOD = """
[[claim]]
id = "acc"
statement = "accuracy is high"
paper = "72.6%"
metric = "hull.ptr.accuracy.n10"
preset = "full"
bar = ">= 0.60"

[[claim]]
id = "beats_baseline"
statement = "beats seq2seq by 10 points"
paper = 33.7
metric = "hull.ptr.accuracy.n10"
preset = "full"
bar = ">= hull.s2s.accuracy.n10 + 0.10"

[[claim]]
id = "ratio"
statement = "within 1.5x"
paper = "n/a"
metric = "perf.ratio"
preset = "full"
bar = "<= 1.5 * (2 - perf.one)"
note = "a bar with arithmetic"
"""

RESULTS = {
    "preset": "full",
    "metrics": {
        "hull": {"ptr": {"accuracy": {"n10": 0.65}}, "s2s": {"accuracy": {"n10": 0.58}}},
        "perf": {"ratio": 1.2, "one": 1},
    },
}


def test_parse_and_evaluate(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(GOOD)
    claims = load_claims(path)
    assert [c.id for c in claims] == ["acc", "beats_baseline", "ratio"]
    assert claims[1].paper == "33.7"
    assert metric_keys(claims[1]) == ["hull.ptr.accuracy.n10", "hull.s2s.accuracy.n10"]
    verdicts = evaluate(claims, RESULTS)
    assert [v.verdict for v in verdicts] == ["holds", "falls short", "holds"]
    assert verdicts[1].threshold == pytest.approx(0.68)
    assert verdicts[2].threshold == pytest.approx(1.5)
    table = render_table(verdicts)
    assert "| acc: accuracy is high | 72.6% | 0.65 | `>= 0.60` | holds |" in table
    assert "(= 0.68)" in table and "falls short" in table


def _with(field: str, value: str) -> str:
    lines = [
        'id = "x"',
        'statement = "s"',
        'paper = "1"',
        'metric = "a.b"',
        'preset = "full"',
        'bar = ">= 1"',
    ]
    lines = [ln for ln in lines if not ln.startswith(field + " ")]
    if value is not None:
        lines.append(f"{field} = {value}")
    return "[[claim]]\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("id", '"Bad-Id"', "field 'id'"),
        ("preset", '"medium"', "claim 'x', field 'preset'"),
        ("bar", '"about 1"', "claim 'x', field 'bar'"),
        ("bar", '">= __import__(1)"', "only numbers, metric keys"),
        ("bar", '">= (1"', "cannot parse"),
        ("metric", '"a..b"', "field 'metric'"),
        ("statement", None, "field 'statement'"),
        ("paper", None, "field 'paper'"),
        ("extra", '"?"', "field 'extra': unknown field"),
    ],
)
def test_malformed_claims_name_file_id_and_field(field, value, match):
    with pytest.raises(ClaimsError, match=match) as err:
        parse_claims(_with(field, value), source="papers/x/claims.toml")
    assert "papers/x/claims.toml" in str(err.value)


def test_duplicate_ids_and_bad_toml():
    one = _with("note", '"n"')
    with pytest.raises(ClaimsError, match="duplicate id"):
        parse_claims(one + one)
    with pytest.raises(ClaimsError, match="not valid TOML"):
        parse_claims("[[claim]\n")
    with pytest.raises(ClaimsError, match=r"\[\[claim\]\]"):
        parse_claims("")


def test_missing_metric_is_an_error_not_a_verdict():
    claims = parse_claims(GOOD)
    bad = {"preset": "full", "metrics": {"hull": {}}}
    with pytest.raises(ClaimsError, match=r"claim 'acc', field 'metric'.*not in the results"):
        evaluate(claims[:1], bad, source="r.json")
    only_ptr = {"preset": "full", "metrics": {"hull": {"ptr": {"accuracy": {"n10": 0.9}}}}}
    with pytest.raises(ClaimsError, match="claim 'beats_baseline', field 'bar'"):
        evaluate(claims[1:2], only_ptr)
    with pytest.raises(ClaimsError, match="field 'preset'"):
        evaluate(claims[:1], {**RESULTS, "preset": "quick"})
    with pytest.raises(ClaimsError, match="not a finite number"):
        evaluate(
            claims[:1],
            {"preset": "full", "metrics": {"hull": {"ptr": {"accuracy": {"n10": "hi"}}}}},
        )


@given(value=st.floats(-1e6, 1e6), threshold=st.floats(-1e6, 1e6))
def test_verdict_agrees_with_python_comparison(value, threshold):
    for op, fn in [
        (">=", float.__ge__),
        ("<=", float.__le__),
        (">", float.__gt__),
        ("<", float.__lt__),
    ]:
        claims = parse_claims(_with("bar", f'"{op} t"'))
        (v,) = evaluate(claims, {"preset": "full", "metrics": {"a": {"b": value}, "t": threshold}})
        assert v.holds == fn(value, threshold)
