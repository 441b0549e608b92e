import pytest

torch = pytest.importorskip("torch")

from tinylm_helpers import RoutedFFN, assert_close, tiny  # noqa: E402

from papershelf.tinylm import TinyGPT, TinyGPTConfig  # noqa: E402

OPTIONS = [
    {},
    {"pos": "rope", "n_kv_heads": 2, "norm": "rmsnorm", "mlp": "swiglu", "bias": False},
    {"n_kv_heads": 1, "tie_embeddings": False},
]


def test_reference_config_is_the_035m_model():
    model = TinyGPT(TinyGPTConfig(vocab_size=20))
    cfg = model.cfg
    assert (cfg.d_model, cfg.n_layers, cfg.n_heads, cfg.d_ff) == (96, 3, 4, 384)
    assert (cfg.norm, cfg.mlp, cfg.pos, cfg.bias) == ("layernorm", "gelu", "learned", True)
    assert 340_000 < model.num_params() < 360_000


@pytest.mark.parametrize("options", OPTIONS)
def test_kv_cache_decoding_equals_full_forward(options):
    model = tiny(16, **options)
    ids = torch.randint(4, 16, (3, 20))
    with torch.no_grad():
        full, _ = model(ids)
        logits, kv = model(ids[:, :7], use_cache=True)
        steps = [logits]
        for t in range(7, 20):
            logits, kv = model(ids[:, t : t + 1], past_kv=kv, use_cache=True)
            steps.append(logits)
    assert_close(torch.cat(steps, 1), full)
    assert kv[0][0].shape == (3, model.cfg.kv_heads, 20, model.cfg.d_head)


@pytest.mark.parametrize("options", OPTIONS[:2])
def test_left_padding_changes_nothing(options):
    model = tiny(16, **options)
    ids = torch.randint(4, 16, (2, 9))
    padded = torch.cat((torch.zeros(2, 5, dtype=torch.long), ids), 1)
    mask = torch.cat((torch.zeros(2, 5), torch.ones(2, 9)), 1)
    with torch.no_grad():
        alone, _ = model(ids)
        batch, kv = model(padded[:, :-1], attn_mask=mask[:, :-1], use_cache=True)
        last, _ = model(padded[:, -1:], attn_mask=mask, past_kv=kv)
    assert torch.isfinite(batch).all()
    assert_close(batch[:, 5:], alone[:, :-1])
    assert_close(last[:, 0], alone[:, -1])


def test_attention_is_causal():
    model = tiny(16)
    ids = torch.randint(4, 16, (1, 10))
    changed = ids.clone()
    changed[0, 6:] = (changed[0, 6:] + 1 - 4) % 12 + 4
    with torch.no_grad():
        a, b = model(ids)[0], model(changed)[0]
    assert_close(a[:, :6], b[:, :6], atol=0)
    assert not torch.allclose(a[:, 6:], b[:, 6:])


def test_inputs_embeds_replace_the_token_embedding():
    model = tiny(16, pos="rope")
    ids = torch.randint(4, 16, (2, 6))
    soft_prompt = torch.randn(2, 3, 32)
    with torch.no_grad():
        assert_close(model(inputs_embeds=model.tok_emb(ids))[0], model(ids)[0])
        logits, _ = model(inputs_embeds=torch.cat((soft_prompt, model.tok_emb(ids)), 1))
    assert logits.shape == (2, 9, 16)
    with pytest.raises(ValueError, match="exactly one of ids and inputs_embeds"):
        model(ids, inputs_embeds=soft_prompt)


def test_ffn_factory_and_route_kwargs_are_passed_through():
    model = tiny(16, ffn_factory=RoutedFFN)
    assert [b.ffn.layer for b in model.blocks] == [0, 1]
    ids = torch.randint(4, 16, (1, 5))
    with torch.no_grad():
        _, cache = model.run_with_cache(ids, ["blocks.1.hook_mlp_out"], route="skip")
        dense = model(ids, route="dense")[0]
    assert [b.ffn.seen for b in model.blocks] == [["skip", "dense"], ["skip", "dense"]]
    assert torch.equal(cache["blocks.1.hook_mlp_out"], torch.zeros(1, 5, 32))
    assert dense.shape == (1, 5, 16)
    with pytest.raises(TypeError, match="route"):
        tiny(16)(ids, route="dense")


def test_sequences_longer_than_max_len_are_refused():
    model = tiny(16, max_len=8)
    with pytest.raises(ValueError, match="sequence length 9 exceeds max_len=8"):
        model(torch.ones(1, 9, dtype=torch.long))
    _, kv = model(torch.ones(1, 8, dtype=torch.long), use_cache=True)
    with pytest.raises(ValueError, match="sequence length 9 exceeds max_len=8"):
        model(torch.ones(1, 1, dtype=torch.long), past_kv=kv)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"d_model": 30, "n_heads": 4}, "d_model % n_heads must be 0, got d_model=30, n_heads=4"),
        ({"n_kv_heads": 3}, "n_kv_heads must be a positive divisor of n_heads=4, got 3"),
        ({"n_layers": 0}, "n_layers must be a positive int, got 0"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\), got 1.0"),
        ({"norm": "batchnorm"}, "norm must be one of"),
        ({"mlp": "relu"}, "mlp must be one of"),
        ({"pos": "alibi"}, "pos must be one of"),
        ({"d_model": 12, "n_heads": 4, "pos": "rope"}, "even head width, got d_head=3"),
    ],
)
def test_bad_configs_are_refused(options, match):
    with pytest.raises(ValueError, match=match):
        TinyGPTConfig(vocab_size=16, **options)


def test_config_must_be_a_config():
    with pytest.raises(TypeError, match="cfg must be a TinyGPTConfig"):
        TinyGPT({"vocab_size": 16})
