import random

import pytest
import torch

from dart_math.student import base_equations, evaluate, pretrain_base, response_loss, sft
from dart_math.synth import LMSampler, ModelShape, tokenizer
from dart_math.tasks import make_problem, to_query
from papershelf.tinylm.train import encode_examples

TOK = tokenizer()
SHAPE = ModelShape(32, 2, 2)


def queries(n, seed=0):
    rng = random.Random(seed)
    return [to_query(make_problem(rng, 1 + i % 5), f"q{i}") for i in range(n)]


def test_base_equations_are_single_operations():
    for prompt, line in base_equations(random.Random(0), 200):
        assert prompt == "" and len(line.split(";")) == 4
        for eq in line.split(";"):
            lhs, rhs = eq.split("=")
            assert sum(lhs.count(op) for op in "+-*") == 1
            assert eval(lhs) == int(rhs) >= 0


def test_loss_ignores_prompt_labels():
    model = SHAPE.build(TOK, 0)
    data = [(q.text, q.solution) for q in queries(6)]
    _, labels = encode_examples(TOK, data, model.cfg.max_len, "all")  # next-token labels
    _, masked = encode_examples(TOK, data, model.cfg.max_len, "completion")
    prompt_pos = (masked == -1) & (labels != -1)
    assert int(prompt_pos.sum()) == sum(len(p) + 1 for p, _ in data) - len(data)
    perturbed = labels.clone()
    perturbed[prompt_pos] = torch.randint(4, TOK.vocab_size, (int(prompt_pos.sum()),))
    assert torch.equal(
        response_loss(model, TOK, data, labels), response_loss(model, TOK, data, perturbed)
    )
    response_pos = masked != -1
    changed = labels.clone()
    changed[response_pos] = (changed[response_pos] + 1) % TOK.vocab_size
    assert not torch.equal(
        response_loss(model, TOK, data, labels), response_loss(model, TOK, data, changed)
    )
    # the SFT step-0 loss (whole set in one batch, before any update) is that same objective
    _, history = sft(model, TOK, data, steps=1, batch_size=len(data), lr=1e-9, seed=0)
    assert history["loss"][0] == pytest.approx(
        float(response_loss(model, TOK, data, labels)), rel=1e-5
    )


def test_sft_is_deterministic_and_leaves_the_base_untouched():
    base, _ = pretrain_base(
        TOK, SHAPE, n_equations=200, tokens=3000, batch_size=16, lr=3e-3, seed=0
    )
    before = {k: v.clone() for k, v in base.state_dict().items()}
    data = [(q.text, q.solution) for q in queries(30)]
    a, ha = sft(base, TOK, data, steps=5, batch_size=8, lr=3e-3, seed=1)
    b, hb = sft(base, TOK, data, steps=5, batch_size=8, lr=3e-3, seed=1)
    assert ha["loss"] == hb["loss"]
    assert all(torch.equal(v, before[k]) for k, v in base.state_dict().items())
    test, ood = queries(10, seed=1), queries(5, seed=2)
    acc = evaluate(a, TOK, test, ood, max_new=40)
    assert set(acc) == {"l1", "l2", "l3", "l4", "l5", "macro", "l45", "ood"}
    assert acc == evaluate(b, TOK, test, ood, max_new=40)


def test_sampler_stream_does_not_depend_on_the_round_company():
    model = SHAPE.build(TOK, 0)
    sampler = LMSampler(model, TOK, temperature=1.0, top_p=0.95, max_new_tokens=20, seed=3)
    qs = queries(4)
    together = sampler(qs, 8, 4)
    alone = [sampler([q], 8, 4)[0] for q in qs]
    assert together == alone
    assert sampler(qs[:1], 0, 4) != together[:1]  # another round, other samples
