"""Efficient Online Processing with Deep Neural Networks: a Papershelf reproduction.

Continual Inference Networks (CoX3D, Continual Transformers, CoST-GCN) and Structured Pruning
Adapters (SPLoRA), from Hedegaard's dissertation (arXiv 2306.13474).
"""

from continual_inference.attention import (
    CoEncoderLayer,
    RecyclingPositionalEncoding,
    RetroactiveAttention,
    SingleOutputAttention,
)
from continual_inference.core import (
    BatchNorm,
    Broadcast,
    CoAvgPool1d,
    CoAvgPool2d,
    CoAvgPool3d,
    CoConv1d,
    CoConv2d,
    CoConv3d,
    CoMaxPool1d,
    CoMaxPool2d,
    CoMaxPool3d,
    CoModule,
    Delay,
    Linear,
    Parallel,
    Pointwise,
    Reduce,
    Residual,
    Sequential,
    continual,
)
from continual_inference.graph import GraphConv, spatial_partitions
from continual_inference.models import (
    ContinualTransformer,
    STGCNLite,
    TransformerClassifier,
    X3DLite,
)
from continual_inference.spa import PrunedNet, SPLoRALayer

__all__ = [
    "BatchNorm",
    "Broadcast",
    "CoAvgPool1d",
    "CoAvgPool2d",
    "CoAvgPool3d",
    "CoConv1d",
    "CoConv2d",
    "CoConv3d",
    "CoEncoderLayer",
    "CoMaxPool1d",
    "CoMaxPool2d",
    "CoMaxPool3d",
    "CoModule",
    "ContinualTransformer",
    "Delay",
    "GraphConv",
    "Linear",
    "Parallel",
    "Pointwise",
    "PrunedNet",
    "RecyclingPositionalEncoding",
    "Reduce",
    "Residual",
    "RetroactiveAttention",
    "SPLoRALayer",
    "STGCNLite",
    "Sequential",
    "SingleOutputAttention",
    "TransformerClassifier",
    "X3DLite",
    "continual",
    "spatial_partitions",
]
