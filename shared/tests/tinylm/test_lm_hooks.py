import pytest

torch = pytest.importorskip("torch")

from tinylm_helpers import assert_close, tiny  # noqa: E402

from papershelf.tinylm import generate  # noqa: E402

OPTIONS = [{}, {"pos": "rope", "n_kv_heads": 2, "bias": False}]


@pytest.mark.parametrize("options", OPTIONS)
def test_identity_hooks_change_nothing(options):
    """Also the explicit-softmax attention (taken when hook_pattern is hooked) against SDPA."""
    model = tiny(16, **options)
    ids = torch.randint(4, 16, (2, 9))
    with torch.no_grad():
        plain = model(ids)[0]
        hooked = model.run_with_hooks(ids, {name: (lambda x: x) for name in model.hook_names})
    assert_close(hooked, plain)


def test_hook_names_and_shapes():
    model = tiny(16, n_kv_heads=2)
    B, T, H, dh = 2, 7, 4, 8
    with torch.no_grad():
        _, cache = model.run_with_cache(torch.randint(4, 16, (B, T)))
    assert set(cache) == set(model.hook_names)
    assert cache["hook_embed"].shape == (B, T, 32)
    assert cache["blocks.1.attn.hook_z"].shape == (B, T, H, dh)
    assert cache["blocks.1.attn.hook_q"].shape == (B, T, H, dh)
    assert cache["blocks.1.attn.hook_k"].shape == (B, T, 2, dh)
    pattern = cache["blocks.0.attn.hook_pattern"]
    assert pattern.shape == (B, H, T, T)
    assert_close(pattern.sum(-1), torch.ones(B, H, T))
    assert torch.equal(pattern.triu(1), torch.zeros_like(pattern))  # causal
    assert cache["hook_resid_final"].shape == (B, T, 32)


@pytest.mark.parametrize("options", [{}, {"n_kv_heads": 2, "bias": False}])
def test_heads_sum_to_the_attention_output(options):
    """Σ_h z_h W_O^h + b_O equals the attention output, layer by layer."""
    model = tiny(16, **options)
    with torch.no_grad():
        _, cache = model.run_with_cache(torch.randint(4, 16, (2, 6)))
        for layer in range(model.cfg.n_layers):
            z = cache[f"blocks.{layer}.attn.hook_z"]
            heads = sum(z[:, :, h] @ model.W_O_head(layer, h) for h in range(4))
            assert_close(heads + model.b_O(layer), cache[f"blocks.{layer}.hook_attn_out"])


def test_patching_embed_every_z_and_every_mlp_out_reproduces_the_other_input():
    model = tiny(16)
    a, b = torch.randint(4, 16, (2, 1, 8))
    names = ["hook_embed"] + [
        f"blocks.{layer}.{name}"
        for layer in range(model.cfg.n_layers)
        for name in ("attn.hook_z", "hook_mlp_out")
    ]
    with torch.no_grad():
        logits_b, cache_b = model.run_with_cache(b, names)
        patched = model.run_with_hooks(a, {n: (lambda x, n=n: cache_b[n]) for n in names})
        logits_a = model(a)[0]
    assert_close(patched, logits_b)
    assert not torch.allclose(logits_a, logits_b, atol=1e-3)


def test_ablating_a_head_changes_only_later_layers():
    model = tiny(16)
    ids = torch.randint(4, 16, (1, 6))

    def ablate(z):
        z = z.clone()
        z[:, :, 2] = 0.0
        return z

    with torch.no_grad():
        _, clean = model.run_with_cache(ids)
        with model.hooks({"blocks.1.attn.hook_z": ablate}):
            _, ablated = model.run_with_cache(ids)
    assert torch.equal(clean["blocks.1.hook_resid_pre"], ablated["blocks.1.hook_resid_pre"])
    assert torch.equal(ablated["blocks.1.attn.hook_z"][:, :, 2], torch.zeros(1, 6, 8))
    assert not torch.allclose(clean["hook_resid_final"], ablated["hook_resid_final"])
    assert model._hooks.fns == {}  # the with block took its hooks off


def test_hooks_stay_on_for_generation(tok):
    model = tiny(tok.vocab_size)
    shapes = []

    def record(pattern):
        shapes.append(tuple(pattern.shape))
        return pattern

    with model.hooks({"blocks.0.attn.hook_pattern": record}):
        generate(model, tok, ["12", "3"], max_new_tokens=3, temperature=0)
    # prefill [B, H, T, T] over the left-padded prompts, then one query over S keys per step
    assert shapes[0] == (2, 4, 3, 3)
    assert shapes[1:] == [(2, 4, 1, 4), (2, 4, 1, 5)][: len(shapes) - 1]


def test_bad_hook_names_and_heads_are_refused():
    model = tiny(16)
    with pytest.raises(ValueError, match=r"unknown hook names \['blocks.0.hook_z'\]"):
        model.run_with_hooks(torch.ones(1, 2, dtype=torch.long), {"blocks.0.hook_z": abs})
    with pytest.raises(ValueError, match=r"head must be in \[0, 4\), got 4"):
        model.W_O_head(0, 4)
    with pytest.raises(ValueError, match=r"layer must be in \[0, 2\), got 2"):
        model.W_O_head(2, 0)


def test_hooks_on_one_point_nest_in_order():
    model = tiny(16)
    ids = torch.ones(1, 3, dtype=torch.long)
    with torch.no_grad(), model.hooks({"hook_embed": lambda x: x + 1}):
        _, cache = model.run_with_cache(ids, ["hook_embed"])
        twice = model.run_with_hooks(ids, {"hook_embed": lambda x: 2 * x})
        once = model.run_with_hooks(ids, {"hook_embed": lambda x: x})
    assert_close(cache["hook_embed"], model.tok_emb(ids) + 1)
    assert not torch.allclose(twice, once)
    assert model._hooks.fns == {}
