import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import huggingface_hub.constants  # noqa: E402
from tinylm_helpers import assert_close  # noqa: E402
from transformers import TopKLogitsWarper, TopPLogitsWarper  # noqa: E402

from papershelf.tinylm import HFBackend, LMBackend, hf_head_hooks, make_tiny_llama  # noqa: E402
from papershelf.tinylm.sampling import warp  # noqa: E402

PROMPTS = ["the cat sat", "1 + 2 =", "a dog on the mat", "7"]


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> HFBackend:
    return HFBackend.from_local(make_tiny_llama(tmp_path_factory.mktemp("tiny_llama")))


def test_loads_offline_and_is_an_lm_backend(backend):
    assert isinstance(backend, LMBackend)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert huggingface_hub.constants.is_offline_mode()
    assert backend.max_len == 64 and backend.eos_ids == {2} and backend.pad_id == 0
    assert backend.model.config.hidden_size == 32 and backend.model.config.num_hidden_layers == 2


def test_a_missing_directory_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model directory at"):
        HFBackend.from_local(tmp_path / "absent")


def test_score_equals_a_manual_forward(backend):
    tok, model = backend.tokenizer, backend.model
    completions = ["on the mat", "3", "sat", "8 9"]
    scores = backend.score(PROMPTS, completions)
    for prompt, completion, got in zip(PROMPTS, completions, scores, strict=True):
        p = tok(prompt)["input_ids"]
        c = tok(completion, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logp = model(torch.tensor([p + c])).logits[0].log_softmax(-1)
        want = [logp[len(p) - 1 + t, c[t]].item() for t in range(len(c))]
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_greedy_generate_equals_model_generate(backend):
    tok, model = backend.tokenizer, backend.model
    ours = backend.generate(PROMPTS, max_new_tokens=10, temperature=0)  # one left-padded batch
    for prompt, row in zip(PROMPTS, ours, strict=True):
        ids = tok(prompt, return_tensors="pt")
        with torch.no_grad():
            out = model.generate(**ids, do_sample=False, max_new_tokens=10, pad_token_id=0)
        theirs = out[0, ids["input_ids"].shape[1] :].tolist()
        if 2 in theirs:  # HF keeps <eos>; a Sample ends before it
            theirs = theirs[: theirs.index(2)]
            assert row[0].finish_reason == "stop"
        assert row[0].token_ids == theirs


def test_sample_logprobs_equal_score(backend):
    samples = backend.generate(PROMPTS, n=2, max_new_tokens=8, top_p=0.9, seed=1)
    flat = [(p, s) for p, row in zip(PROMPTS, samples, strict=True) for s in row]
    scores = backend.score([p for p, _ in flat], [s.token_ids for _, s in flat])
    for (_, s), lp in zip(flat, scores, strict=True):
        np.testing.assert_allclose(s.logprobs, lp, atol=1e-5)
    again = backend.generate(PROMPTS, n=2, max_new_tokens=8, top_p=0.9, seed=1)
    assert [[s.token_ids for s in r] for r in again] == [[s.token_ids for s in r] for r in samples]


@pytest.mark.parametrize(
    ("temperature", "top_k", "top_p"), [(1.0, 0, 0.9), (0.7, 5, 0.5), (1.3, 3, 1.0)]
)
def test_warping_equals_the_hugging_face_warpers(temperature, top_k, top_p):
    logits = torch.randn(64, 50, generator=torch.Generator().manual_seed(0)) * 3
    theirs = logits / temperature
    if top_k:
        theirs = TopKLogitsWarper(top_k)(None, theirs)
    if top_p < 1:
        theirs = TopPLogitsWarper(top_p)(None, theirs)
    ours = warp(logits, temperature, top_k, top_p)
    assert torch.equal(torch.isfinite(ours), torch.isfinite(theirs))
    np.testing.assert_allclose(
        ours[torch.isfinite(ours)], theirs[torch.isfinite(theirs)], rtol=1e-6
    )


def test_head_hooks_expose_and_patch_per_head_z(backend):
    model = backend.model
    ids = backend.tokenizer(["the cat sat on"], return_tensors="pt")["input_ids"]
    o_proj = model.model.layers[1].self_attn.o_proj
    outputs = []
    handle = o_proj.register_forward_hook(lambda m, a, out: outputs.append(out))
    with torch.no_grad(), hf_head_hooks(model) as cache:
        clean = model(ids).logits
    handle.remove()
    z = cache["blocks.1.attn.hook_z"]
    assert z.shape == (1, 5, 4, 8)
    with torch.no_grad():
        heads = sum(z[:, :, h] @ o_proj.weight[:, 8 * h : 8 * (h + 1)].T for h in range(4))
    assert_close(heads, outputs[0], atol=1e-6)

    def ablate(z):
        z = z.clone()
        z[:, :, 2] = 0
        return z

    with torch.no_grad():
        with hf_head_hooks(model, {"blocks.1.attn.hook_z": ablate}):
            ablated = model(ids).logits
        saved = o_proj.weight[:, 16:24].clone()
        o_proj.weight[:, 16:24] = 0  # the same ablation, done on the weights
        by_weights = model(ids).logits
        o_proj.weight[:, 16:24] = saved
        assert torch.equal(model(ids).logits, clean)
    assert_close(ablated, by_weights, atol=1e-6)
    assert not torch.allclose(ablated, clean)
    with pytest.raises(ValueError, match="unknown hook names"):
        with hf_head_hooks(model, {"blocks.7.attn.hook_z": ablate}):
            pass
    with pytest.raises(TypeError, match="not Llama-style"):
        with hf_head_hooks(torch.nn.Linear(2, 2)):
            pass
