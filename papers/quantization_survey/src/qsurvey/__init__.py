"""qsurvey: the methods of "A Survey of Quantization Methods for Efficient Neural Network Inference"
(Gholami et al. 2021, arXiv:2103.13630) at laptop scale."""

from qsurvey.calibration import (
    StaticObserver,
    aciq_alpha,
    calibrate_range,
    check_calibration_set,
    dynamic_qparams,
    kl_threshold,
    laplace_clip_mse,
    minmax_range,
    mse_clip_range,
    percentile_range,
)
from qsurvey.data import digits, load_checkpoint, load_cifar10, synth_patterns, synthetic_tensor
from qsurvey.granularity import WeightQuant, quantize_weight, weight_qparams
from qsurvey.hawq import allocate_bits, hutchinson_trace, sensitivities
from qsurvey.integer import (
    IntegerNet,
    OpTracer,
    assert_integer_only,
    dyadic,
    requantize,
    rounding_right_shift,
)
from qsurvey.models import CNN, fold_bn, mlp
from qsurvey.packing import PackedTensor, model_bytes, pack, unpack
from qsurvey.ptq import adaround_layer, bias_correction, cross_layer_equalization, rtn_weights
from qsurvey.qat import LSQQuantizer, PACTQuantizer, QATNet, lsq_quantize, lsq_step_grad
from qsurvey.quantizers import (
    QParams,
    asymmetric_qparams,
    binarize,
    dequantize,
    fake_quantize,
    kmeans_quantize,
    lloyd_max,
    log2_quantize,
    quantize,
    round_stochastic,
    symmetric_qparams,
    ternarize,
)
from qsurvey.simquant import SimQuantNet
from qsurvey.vq import product_quantize, weight_sharing
from qsurvey.zeroq import distill_batch

__all__ = [
    "CNN",
    "IntegerNet",
    "LSQQuantizer",
    "OpTracer",
    "PACTQuantizer",
    "PackedTensor",
    "QATNet",
    "QParams",
    "SimQuantNet",
    "StaticObserver",
    "WeightQuant",
    "aciq_alpha",
    "adaround_layer",
    "allocate_bits",
    "assert_integer_only",
    "asymmetric_qparams",
    "bias_correction",
    "binarize",
    "calibrate_range",
    "check_calibration_set",
    "cross_layer_equalization",
    "dequantize",
    "digits",
    "distill_batch",
    "dyadic",
    "dynamic_qparams",
    "fake_quantize",
    "fold_bn",
    "hutchinson_trace",
    "kl_threshold",
    "kmeans_quantize",
    "laplace_clip_mse",
    "lloyd_max",
    "load_checkpoint",
    "load_cifar10",
    "log2_quantize",
    "lsq_quantize",
    "lsq_step_grad",
    "minmax_range",
    "mlp",
    "model_bytes",
    "mse_clip_range",
    "pack",
    "percentile_range",
    "product_quantize",
    "quantize",
    "quantize_weight",
    "requantize",
    "round_stochastic",
    "rounding_right_shift",
    "rtn_weights",
    "sensitivities",
    "symmetric_qparams",
    "synth_patterns",
    "synthetic_tensor",
    "ternarize",
    "unpack",
    "weight_qparams",
    "weight_sharing",
]
