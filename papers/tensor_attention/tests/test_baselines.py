import numpy as np
import torch

from tensor_attention.baselines import (
    StandardAttentionClassifier,
    TrainConfig,
    predict_standard_attention,
    train_standard_attention,
)


def test_model_shapes_and_parameter_budget():
    model = StandardAttentionClassifier(M=101)
    logits = model(torch.zeros((3, 12), dtype=torch.long))
    assert logits.shape == (3, 12)
    attention = sum(p.numel() for p in model.attn.parameters())
    assert attention == 4 * 16 * 16 + 4 * 16  # one layer, d_model 16 (q, k, v, out)
    assert model.attn.num_heads == 2
    assert model.readout[0].out_features == 64


def test_is_permutation_equivariant():
    """No positions: permuting the tokens permutes the logits (Match3 is permutation-invariant)."""
    torch.manual_seed(0)
    model = StandardAttentionClassifier(M=11).eval()
    x = torch.randint(0, 11, (2, 7))
    p = torch.randperm(7)
    with torch.no_grad():
        np.testing.assert_allclose(model(x[:, p]).numpy(), model(x)[:, p].numpy(), atol=1e-6)


def test_training_is_seeded():
    config = TrainConfig(steps=60, batch=64, lr=3e-3)
    model_a, curve_a = train_standard_attention(6, 7, config, seed=3)
    _, curve_b = train_standard_attention(6, 7, config, seed=3)
    assert curve_a == curve_b
    assert len(curve_a) == 10
    pred = predict_standard_attention(model_a, np.zeros((2, 6), dtype=np.int64), 7)
    assert pred.shape == (2, 6) and pred.dtype == bool
