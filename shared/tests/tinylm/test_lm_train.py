import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from tinylm_helpers import reverse_task, tiny  # noqa: E402

from papershelf.tinylm import score, train_lm  # noqa: E402
from papershelf.tinylm.train import IGNORE, encode_examples, lr_at  # noqa: E402

EXAMPLES = reverse_task(64, seed=3)
BASE = dict(steps=3, batch_size=8, lr=1e-2, warmup=1, weight_decay=0.1, seed=0)


def test_training_learns_the_toy_task(trained):
    _, history = trained
    assert len(history["loss"]) == 100
    assert np.mean(history["loss"][-10:]) < 0.5 * np.mean(history["loss"][:10])
    assert history["tokens"] > 0 and history["tokens_per_s"] > 0 and history["threads"] == 1
    assert torch.get_num_threads() == 1


def test_prompt_tokens_get_no_loss_and_no_gradient(tok):
    model = tiny(tok.vocab_size).train()
    inputs, targets = encode_examples(tok, EXAMPLES[:4], model.cfg.max_len, "completion")
    logits, _ = model(inputs)
    logits.retain_grad()
    F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE).backward()
    for row, (prompt, completion) in enumerate(EXAMPLES[:4]):
        first = len(prompt)  # <bos> + prompt: the targets before the completion's first token
        assert torch.all(logits.grad[row, :first] == 0)
        assert torch.all(logits.grad[row, first : first + len(completion) + 1].abs().sum(-1) > 0)
        assert torch.all(logits.grad[row, first + len(completion) + 1 :] == 0)  # padding


def test_the_loss_is_the_mean_completion_nll(tok):
    """The first step's loss equals -mean log p(completion + <eos> | prompt) from `score`."""
    examples = EXAMPLES[:8]
    model = tiny(tok.vocab_size)
    per_token = score(model, tok, [p for p, _ in examples], [c for _, c in examples])
    eos = [
        score(model, tok, [p + c], [[tok.eos_id]])[0]  # <eos> after the completion
        for p, c in examples
    ]
    expected = -np.mean(np.concatenate([*per_token, *eos]))
    history = train_lm(model, tok, examples, **BASE | {"steps": 1, "batch_size": 8})
    assert history["loss"][0] == pytest.approx(expected, abs=1e-5)


def test_grad_masks_keep_masked_entries_bitwise(tok):
    model = tiny(tok.vocab_size)
    name = "blocks.0.attn.qkv.weight"
    weight = dict(model.named_parameters())[name]
    mask = torch.rand(weight.shape, generator=torch.Generator().manual_seed(0)) < 0.5
    before = weight.detach().clone()
    bias_before = model.blocks[0].attn.qkv.bias.detach().clone()
    train_lm(
        model,
        tok,
        EXAMPLES,
        **BASE | {"steps": 5, "weight_decay": 0.5},
        grad_masks={name: mask, "blocks.0.attn.qkv.bias": torch.zeros(weight.shape[0])},
    )
    after = weight.detach()
    assert torch.equal(after[~mask], before[~mask])
    assert (after[mask] != before[mask]).float().mean() > 0.99
    assert torch.equal(model.blocks[0].attn.qkv.bias, bias_before)


def test_param_filter_trains_only_the_chosen_parameters(tok):
    model = tiny(tok.vocab_size)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    train_lm(model, tok, EXAMPLES, **BASE, param_filter=lambda name, p: "ffn" in name)
    for n, p in model.named_parameters():
        assert torch.equal(p, before[n]) != ("ffn" in n), n
        assert p.requires_grad  # restored


def test_same_seed_same_run(tok):
    runs = []
    for _ in range(2):
        model = tiny(tok.vocab_size, dropout=0.1)
        history = train_lm(model, tok, EXAMPLES, **BASE)
        runs.append((history["loss"], [p.detach().clone() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(a, b) for a, b in zip(runs[0][1], runs[1][1], strict=True))
    other = train_lm(tiny(tok.vocab_size, dropout=0.1), tok, EXAMPLES, **BASE | {"seed": 1})
    assert other["loss"] != runs[0][0]


def test_lr_schedules():
    kw = dict(lr=1.0, warmup=4, steps=14)
    assert [lr_at(s, schedule="cosine", **kw) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert lr_at(9, schedule="cosine", **kw) == pytest.approx(0.5 * (1 + math.cos(math.pi / 2)))
    assert lr_at(13, schedule="linear", **kw) == pytest.approx(0.1)
    assert lr_at(13, schedule="constant", **kw) == 1.0


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"steps": 0}, ValueError, "steps must be an int >= 1, got 0"),
        ({"lr": 0.0}, ValueError, "lr must be > 0, got 0.0"),
        ({"weight_decay": -1.0}, ValueError, "weight_decay must be >= 0"),
        ({"grad_clip": 0.0}, ValueError, "grad_clip must be > 0 or None"),
        ({"schedule": "step"}, ValueError, "schedule must be"),
        ({"loss_mask": "prompt"}, ValueError, "loss_mask must be 'completion' or 'all'"),
        ({"examples": []}, ValueError, "non-empty list of"),
        ({"examples": [("12=", 21)]}, TypeError, r"examples\[0\] must be a \(prompt, completion\)"),
        ({"examples": [("1" * 60, "1")]}, ValueError, r"examples\[0\] has 63 tokens"),
        ({"grad_masks": {"nope": torch.ones(1)}}, ValueError, "'nope', which is not a trained"),
        ({"grad_masks": {"tok_emb.weight": torch.ones(2)}}, ValueError, "has shape"),
        ({"param_filter": lambda n, p: False}, ValueError, "selects no parameter"),
        ({"threads": 0}, ValueError, "threads must be a positive int"),
    ],
)
def test_bad_training_arguments(tok, change, error, match):
    args = {"examples": EXAMPLES} | BASE | change
    with pytest.raises(error, match=match):
        train_lm(tiny(tok.vocab_size), tok, **args)
