import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tinylm_helpers import RoutedFFN, assert_close, tiny  # noqa: E402

from papershelf.tinylm import (  # noqa: E402
    CharTokenizer,
    LMBackend,
    TinyLMBackend,
    extend,
    generate,
    load,
    save,
    score,
)


@pytest.mark.parametrize("options", [{}, {"pos": "rope", "norm": "rmsnorm", "n_kv_heads": 2}])
def test_checkpoint_round_trip(tok, tmp_path, options):
    model = tiny(tok.vocab_size, **options)
    save(model, tok, tmp_path / "ckpt")
    again, tok_again = load(tmp_path / "ckpt")
    ids = torch.randint(4, tok.vocab_size, (2, 7))
    assert again.cfg == model.cfg and tok_again == tok and not again.training
    with torch.no_grad():
        assert torch.equal(again(ids)[0], model(ids)[0])
    assert again.lm_head.weight is again.tok_emb.weight  # still tied


def test_checkpoint_with_a_custom_ffn(tok, tmp_path):
    model = tiny(tok.vocab_size, ffn_factory=RoutedFFN)
    save(model, tok, tmp_path)
    again, _ = load(tmp_path, ffn_factory=RoutedFFN)
    ids = torch.randint(4, tok.vocab_size, (1, 5))
    with torch.no_grad():
        assert torch.equal(again(ids, route="skip")[0], model(ids, route="skip")[0])
    with pytest.raises(RuntimeError, match="Missing key"):
        load(tmp_path)


def test_checkpoint_refuses_overwrite_missing_and_mismatched(tok, tmp_path):
    model = tiny(tok.vocab_size)
    save(model, tok, tmp_path)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save(model, tok, tmp_path)
    save(model, tok, tmp_path, overwrite=True)
    with pytest.raises(FileNotFoundError, match="missing"):
        load(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="the tokenizer has 8 ids but the model 19"):
        save(model, CharTokenizer("abcd"), tmp_path / "x")


def test_tinylm_backend_is_an_lm_backend(model, tok):
    backend = TinyLMBackend(model, tok)
    assert isinstance(backend, LMBackend)
    assert backend.tokenizer is tok and backend.max_len == 48
    kw = dict(n=2, max_new_tokens=5, seed=1, top_k=5)
    assert [[s.token_ids for s in r] for r in backend.generate(["12"], **kw)] == [
        [s.token_ids for s in r] for r in generate(model, tok, ["12"], **kw)
    ]
    by_backend = backend.score(["1", "2"], ["3", "45"])
    for a, b in zip(by_backend, score(model, tok, ["1", "2"], ["3", "45"]), strict=True):
        np.testing.assert_array_equal(a, b)


def test_score_bad_input(model, tok):
    with pytest.raises(ValueError, match="got 2 prompts but 1 completions"):
        score(model, tok, ["1", "2"], ["3"])
    with pytest.raises(ValueError, match=r"token ids \[99\] outside \[0, 19\)"):
        score(model, tok, ["1"], [[99]])
    with pytest.raises(ValueError, match="pair 0 has 2 \\+ 47 tokens, more than max_len=48"):
        score(model, tok, ["1"], ["1" * 47])
    with pytest.raises(ValueError, match="prompts is empty"):
        score(model, tok, [], [])


def test_extend_continues_a_prefix_and_branches(model):
    ids = torch.randint(4, 19, (1, 12))
    with torch.no_grad():
        full = model(ids)[0].log_softmax(-1)
    lp, prefix = extend(model, None, ids[0, :5].tolist())
    assert_close(lp, full[:, :5])
    lp_a, kv_a = extend(model, prefix, ids[:, 5:9])
    lp_b, _ = extend(model, prefix, torch.tensor([[4, 5]]))  # another branch
    lp_a2, _ = extend(model, kv_a, ids[:, 9:])
    assert_close(torch.cat((lp_a, lp_a2), 1), full[:, 5:])
    with torch.no_grad():
        other = model(torch.cat((ids[:, :5], torch.tensor([[4, 5]])), 1))[0].log_softmax(-1)
    assert_close(lp_b, other[:, 5:])
    children = torch.tensor([[4], [5], [6]])  # one prefix, three children at once
    lp_c, kv_c = extend(model, prefix, children)
    assert kv_c[0][0].shape[0] == 3
    assert_close(lp_c[0], lp_b[0, :1])
    with pytest.raises(ValueError, match="give one row per prefix row"):
        extend(model, kv_c, torch.tensor([[4], [5]]))
