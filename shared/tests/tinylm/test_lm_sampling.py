import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinylm_helpers import reverse_task, tiny  # noqa: E402

from papershelf.tinylm import WordTokenizer, generate, score  # noqa: E402
from papershelf.tinylm.sampling import draw, warp  # noqa: E402

PROMPTS = ["12+3=", "7", "a b", "999+1=", "=="]

# chi2.ppf(0.999, df) for the goodness-of-fit tests (no scipy here)
CHI2_999 = {2: 13.816, 3: 16.266, 5: 20.515}


def chi_square(counts: np.ndarray, probs: np.ndarray) -> tuple[float, int]:
    expected = counts.sum() * probs
    kept = probs > 0
    stat = float(((counts[kept] - expected[kept]) ** 2 / expected[kept]).sum())
    return stat, int(kept.sum()) - 1


def draws(logits: torch.Tensor, n: int, **warping) -> np.ndarray:
    """Counts of n draws from one row of logits [V], through warp + draw like generate."""
    u = torch.from_numpy(np.random.default_rng(0).random(n))
    ids = draw(warp(logits.expand(n, -1), **warping), u)
    return np.bincount(ids.numpy(), minlength=logits.shape[-1])


LOGITS = torch.tensor([2.0, 1.0, 0.5, 0.0, -1.0, -3.0])


def test_chi_square_temperature():
    counts = draws(LOGITS, 20_000, temperature=0.7)
    stat, df = chi_square(counts, (LOGITS / 0.7).softmax(-1).numpy())
    assert df == 5 and stat < CHI2_999[df]


def test_chi_square_top_p():
    """p = 0.8 keeps the smallest most-probable set reaching 0.8: the top three tokens."""
    probs = LOGITS.softmax(-1).numpy()
    assert probs[:2].sum() < 0.8 <= probs[:3].sum()
    counts = draws(LOGITS, 20_000, temperature=1.0, top_p=0.8)
    assert counts[3:].sum() == 0
    stat, df = chi_square(counts, np.r_[probs[:3] / probs[:3].sum(), 0, 0, 0])
    assert df == 2 and stat < CHI2_999[df]


def test_chi_square_top_k_then_temperature():
    counts = draws(LOGITS, 20_000, temperature=2.0, top_k=4)
    assert counts[4:].sum() == 0
    stat, df = chi_square(counts, np.r_[(LOGITS[:4] / 2.0).softmax(-1).numpy(), 0, 0])
    assert df == 3 and stat < CHI2_999[df]


def test_top_p_boundary_follows_hugging_face():
    """A token stays while the mass of the tokens ranked above it is < p (HF's rule; the
    hf tests compare with TopPLogitsWarper itself)."""
    logits = torch.tensor([[0.3, 0.05, 0.5, 0.15]]).log()
    kept = lambda p: torch.isfinite(warp(logits, 1.0, top_p=p))[0].tolist()  # noqa: E731
    assert kept(1e-9) == kept(0.45) == [False, False, True, False]
    assert kept(0.6) == [True, False, True, False]
    assert kept(0.85) == [True, False, True, True]
    assert kept(0.96) == kept(1.0) == [True] * 4


def test_draw_never_picks_a_token_of_probability_zero():
    warped = torch.tensor([[0.0, -math.inf, 0.0, -math.inf]]).expand(4, -1)
    ids = draw(warped, torch.tensor([0.0, 0.4999, 0.5, 1 - 1e-12], dtype=torch.float64))
    assert ids.tolist() == [0, 0, 2, 2]


def test_same_seed_same_samples_and_seeds_differ(model, tok):
    kw = dict(n=4, max_new_tokens=8, temperature=1.0, top_p=0.9)
    a = generate(model, tok, PROMPTS, seed=3, **kw)
    b = generate(model, tok, PROMPTS, seed=3, **kw)
    c = generate(model, tok, PROMPTS, seed=4, **kw)
    ids = lambda out: [[s.token_ids for s in row] for row in out]  # noqa: E731
    assert ids(a) == ids(b) and ids(a) != ids(c)
    assert len(a) == len(PROMPTS) and all(len(row) == 4 for row in a)
    assert len({tuple(s.token_ids) for s in a[0]}) > 1  # n samples of a prompt differ


def test_greedy_equals_vanishing_temperature_and_tiny_top_p(model, tok):
    greedy = generate(model, tok, PROMPTS, max_new_tokens=10, temperature=0)
    cold = generate(model, tok, PROMPTS, max_new_tokens=10, temperature=1e-5, seed=1)
    narrow = generate(model, tok, PROMPTS, max_new_tokens=10, top_p=1e-9, seed=2)
    for g, c, t in zip(greedy, cold, narrow, strict=True):
        assert g[0].token_ids == c[0].token_ids == t[0].token_ids
        assert np.all(g[0].sampled_logprobs == 0.0)
        np.testing.assert_allclose(t[0].sampled_logprobs, 0.0, atol=1e-6)


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_left_padded_batches_equal_one_prompt_at_a_time(model, tok, temperature):
    kw = dict(n=2, max_new_tokens=8, temperature=temperature, seed=5)
    batched = generate(model, tok, PROMPTS, **kw)
    tiny_batches = generate(model, tok, PROMPTS, batch_size=3, **kw)
    for prompt, row, row3 in zip(PROMPTS, batched, tiny_batches, strict=True):
        alone = generate(model, tok, [prompt], **kw)[0]
        for s, s1, s3 in zip(row, alone, row3, strict=True):
            assert s.token_ids == s1.token_ids == s3.token_ids
            np.testing.assert_allclose(s.logprobs, s1.logprobs, atol=1e-5)


def test_logprobs_equal_score_and_sampled_logprobs_are_the_warped_ones(trained, tok):
    model, _ = trained
    samples = generate(model, tok, PROMPTS, n=3, max_new_tokens=12, temperature=1.0, seed=0)
    flat = [(p, s) for p, row in zip(PROMPTS, samples, strict=True) for s in row]
    by_ids = score(model, tok, [p for p, _ in flat], [s.token_ids for _, s in flat])
    plain = [(p, s) for p, s in flat if tok.encode(s.text) == s.token_ids]  # no specials drawn
    by_text = score(model, tok, [p for p, _ in plain], [s.text for _, s in plain])
    assert len(plain) >= len(flat) - 2
    for (_, s), lp in zip(flat, by_ids, strict=True):
        np.testing.assert_allclose(s.logprobs, lp, atol=1e-5)
        np.testing.assert_allclose(s.sampled_logprobs, s.logprobs, atol=1e-5)  # τ=1: no warp
    for (_, s), lp in zip(plain, by_text, strict=True):
        np.testing.assert_allclose(s.logprobs, lp, atol=1e-5)
    warped = generate(model, tok, PROMPTS[:1], n=3, max_new_tokens=6, top_k=3, seed=0)[0]
    assert all(np.all(s.sampled_logprobs >= s.logprobs) for s in warped)


def test_stop_strings_are_cut_and_excluded(model, tok):
    free = generate(model, tok, PROMPTS, n=2, max_new_tokens=12, seed=7)
    assert all(s.finish_reason in ("stop", "length") for row in free for s in row)
    stop = max("0123456789+=ab ", key=lambda c: sum(c in s.text for row in free for s in row))
    cut = generate(model, tok, PROMPTS, n=2, max_new_tokens=12, seed=7, stop=(stop, "ab"))
    hits = 0
    for row, row_cut in zip(free, cut, strict=True):
        for s, c in zip(row, row_cut, strict=True):
            first = min((k for k in (s.text.find(stop), s.text.find("ab")) if k >= 0), default=-1)
            if first >= 0:
                hits += 1
                assert c.finish_reason == "stop" and c.text == s.text[:first]
                assert c.token_ids == s.token_ids[: len(c.token_ids)]
                assert tok.decode(c.token_ids) == c.text
            else:
                assert c.text == s.text and c.finish_reason == s.finish_reason
    assert hits > 0


def test_a_stop_inside_a_token_cuts_the_text_and_drops_the_token():
    tok = WordTokenizer(["cat", "dog", "sat"])
    model = tiny(tok.vocab_size)
    free = generate(model, tok, ["cat"], n=8, max_new_tokens=6, seed=0)[0]
    s = next(s for s in free if "at" in s.text)
    cut = generate(model, tok, ["cat"], n=8, max_new_tokens=6, seed=0, stop=("at",))[0]
    c = cut[free.index(s)]
    assert c.text == s.text[: s.text.index("at")] and c.finish_reason == "stop"
    assert c.text.endswith(("c", "s")) and len(c.token_ids) < len(s.token_ids)


def test_eos_ends_a_sample_and_is_excluded(trained, tok):
    model, _ = trained
    prompts = [p for p, _ in reverse_task(20, seed=9)]
    samples = generate(model, tok, prompts, max_new_tokens=8, temperature=0)
    stopped = [row[0] for row in samples if row[0].finish_reason == "stop"]
    assert len(stopped) >= 15
    assert all(tok.eos_id not in s.token_ids and len(s.token_ids) < 8 for s in stopped)
    full = generate(model, tok, prompts[:1], max_new_tokens=1, temperature=0)[0][0]
    assert full.finish_reason == "length" and len(full.token_ids) == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0}, ValueError, "n must be >= 1, got 0"),
        ({"n": 1.5}, TypeError, "n must be an int"),
        ({"max_new_tokens": 0}, ValueError, "max_new_tokens must be >= 1, got 0"),
        ({"temperature": -0.5}, ValueError, "temperature must be >= 0"),
        ({"temperature": math.nan}, TypeError, "temperature must be a finite number"),
        ({"top_p": 0.0}, ValueError, r"top_p must be in \(0, 1\], got 0.0"),
        ({"top_p": 1.5}, ValueError, r"top_p must be in \(0, 1\], got 1.5"),
        ({"top_k": -1}, ValueError, "top_k must be >= 0, got -1"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"stop": "="}, TypeError, "stop must be a sequence of strings"),
        ({"stop": ("",)}, ValueError, "stop strings must be non-empty"),
        ({"prompts": []}, ValueError, "prompts is empty"),
        ({"prompts": "12"}, TypeError, "prompts must be a list of str, got str"),
        ({"prompts": ["1", 2]}, TypeError, r"prompts\[1\] must be a str"),
        ({"prompts": ["1q"]}, ValueError, r"unknown symbols \['q'\]"),
        ({"max_new_tokens": 46}, ValueError, "prompt 0 has 3 tokens .* exceeds max_len=48"),
        ({"seed": -1}, ValueError, "seed must be"),
    ],
)
def test_bad_generate_arguments(model, tok, kwargs, error, match):
    args = {"prompts": ["12"], "max_new_tokens": 4} | kwargs
    with pytest.raises(error, match=match):
        generate(model, tok, **args)
