"""Fixtures of the tinylm tests: one thread (the reference machine's fastest setting for tiny
models, and immune to a busy neighbour), a tokenizer, a random model, and a model trained on a
toy task. Without torch (no `lm` extra) nothing here is collected."""

import pytest

try:
    import torch
except ImportError:
    collect_ignore_glob = ["test_*.py"]
else:
    from tinylm_helpers import DIGITS, reverse_task, tiny

    from papershelf.threads import set_threads
    from papershelf.tinylm import CharTokenizer, TinyGPT, train_lm

    @pytest.fixture(autouse=True, scope="session")
    def one_thread():
        before = torch.get_num_threads()
        set_threads(1)
        yield
        set_threads(before)

    @pytest.fixture(scope="session")
    def tok() -> CharTokenizer:
        return CharTokenizer(DIGITS + "+=ab ")

    @pytest.fixture(scope="session")
    def model(tok) -> TinyGPT:
        return tiny(tok.vocab_size)

    @pytest.fixture(scope="session")
    def trained(tok):
        """(model, history) after a short run on the reversal task: it has learned to stop."""
        model = tiny(tok.vocab_size, seed=1)
        history = train_lm(
            model,
            tok,
            reverse_task(512),
            steps=100,
            batch_size=32,
            lr=1e-2,
            warmup=10,
            weight_decay=0.01,
            seed=0,
        )
        return model.eval(), history
