"""The fixed-vocabulary seq2seq baselines refuse inputs longer than their dictionary."""

import numpy as np
import pytest
import torch

from pointer_networks.baselines import Seq2Seq, Seq2SeqAttention
from pointer_networks.decoding import beam_search, greedy_decode
from pointer_networks.train import decode


@pytest.mark.parametrize("model_cls", [Seq2SeqAttention, Seq2Seq])
def test_n_above_n_max_raises_instead_of_truncating(model_cls):
    model = model_cls(hidden=8, n_max=10)
    points = torch.rand(2, 11, 2)
    lengths = torch.tensor([11, 7])
    message = r"n=11 exceeds n_max=10: .* fixed output vocabulary of index classes 0\.\.10"
    with pytest.raises(ValueError, match=message):
        model.encode(points, lengths)
    with pytest.raises(ValueError, match=message):
        model.log_probs(points, lengths, torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=message):
        greedy_decode(model, points, lengths, "hull")
    with pytest.raises(ValueError, match=message):
        beam_search(model, points, lengths, "hull", width=2)
    with pytest.raises(ValueError, match="n=20 exceeds n_max=10"):
        decode(model, np.random.default_rng(0).random((3, 20, 2)), "hull")


@pytest.mark.parametrize("model_cls", [Seq2SeqAttention, Seq2Seq])
def test_output_dictionary_is_fixed(model_cls):
    model = model_cls(hidden=8, n_max=10)
    assert model.output_width(5) == model.output_width(10) == 11
    logp = model.log_probs(torch.rand(1, 5, 2), torch.tensor([5]), torch.tensor([[1, 2, 3, 0]]))
    assert logp.shape == (1, 4, 11)
    assert (logp[0, :, 6:].exp() == 0).all()  # classes past this input's n point at nothing
