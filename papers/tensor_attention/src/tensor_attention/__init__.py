"""How to Capture Higher-order Correlations? Generalizing Matrix Softmax Attention to Kronecker
Computation (Alman & Song, ICLR 2024): a Papershelf reproduction."""

from tensor_attention.baselines import (
    StandardAttentionClassifier,
    TrainConfig,
    predict_standard_attention,
    train_standard_attention,
)
from tensor_attention.data import (
    Instance,
    load_instance,
    match3_sequences,
    random_instance,
    save_instance,
)
from tensor_attention.errors import BoundedEntryError, FastMethodUnavailable
from tensor_attention.exact import matrix_attention_exact, tensor_attention_exact
from tensor_attention.fast import FastPlan, plan_fast, polynomial_attention, tensor_attention_fast
from tensor_attention.features import multi_indices, phi, psi, rank
from tensor_attention.kronecker import kr
from tensor_attention.match3 import (
    balanced_accuracy,
    match3_beta,
    match3_labels,
    match3_predict,
    match3_scores,
    match3_tokens,
)
from tensor_attention.polynomial import (
    DEGREE_CAP,
    PolyExp,
    certified_degree,
    chebyshev_bound,
    chebyshev_exp,
    choose_degree,
    poly_exp,
)

__all__ = [
    "DEGREE_CAP",
    "BoundedEntryError",
    "FastMethodUnavailable",
    "FastPlan",
    "Instance",
    "PolyExp",
    "StandardAttentionClassifier",
    "TrainConfig",
    "balanced_accuracy",
    "certified_degree",
    "chebyshev_bound",
    "chebyshev_exp",
    "choose_degree",
    "kr",
    "load_instance",
    "match3_beta",
    "match3_labels",
    "match3_predict",
    "match3_scores",
    "match3_sequences",
    "match3_tokens",
    "matrix_attention_exact",
    "multi_indices",
    "phi",
    "plan_fast",
    "poly_exp",
    "polynomial_attention",
    "predict_standard_attention",
    "psi",
    "random_instance",
    "rank",
    "save_instance",
    "tensor_attention_exact",
    "tensor_attention_fast",
    "train_standard_attention",
]
