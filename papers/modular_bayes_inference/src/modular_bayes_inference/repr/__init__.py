"""Representations of probabilistic programs (paper §5-§7) and their transformations."""

from modular_bayes_inference.repr.enumerator import Enumerator, enumerate_program
from modular_bayes_inference.repr.population import (
    DegeneratePopulationError,
    Population,
    collapse,
    resample_multinomial,
    resample_systematic,
    spawn,
)
from modular_bayes_inference.repr.sequential import (
    Sequential,
    advance,
    as_sequential,
    as_sequential_traced,
    finish,
    hoist_s,
)
from modular_bayes_inference.repr.traced import (
    ProgramModel,
    Trace,
    Traced,
    as_traced,
    hoist_t,
    marginal,
    mh_step,
    mh_trans,
)
from modular_bayes_inference.repr.weighted import sampler, weighted

__all__ = [
    "DegeneratePopulationError",
    "Enumerator",
    "Population",
    "ProgramModel",
    "Sequential",
    "Trace",
    "Traced",
    "advance",
    "as_sequential",
    "as_sequential_traced",
    "as_traced",
    "collapse",
    "enumerate_program",
    "finish",
    "hoist_s",
    "hoist_t",
    "marginal",
    "mh_step",
    "mh_trans",
    "resample_multinomial",
    "resample_systematic",
    "sampler",
    "spawn",
    "weighted",
]
