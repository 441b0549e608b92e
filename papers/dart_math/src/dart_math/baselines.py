"""What the paper compares against.

- VRT, vanilla rejection tuning (RFT / MetaMath-style): `dars.vrt`, the same sampling machinery
  with `M` trials per query and no correct-count target, as the official script runs it.
- The base model without SFT: `student.evaluate` on the pretrained base.
- A reference gold-SFT: the student fine-tuned on the pool's own gold solutions (one per query),
  the data a human-written training set would give.
"""

from __future__ import annotations

from collections.abc import Sequence

from dart_math.dars import vrt
from dart_math.tasks import Query

__all__ = ["gold_sft_data", "vrt"]


def gold_sft_data(pool: Sequence[Query]) -> list[tuple[str, str]]:
    """(query, gold solution) for every pool query that has one."""
    data = [(q.text, q.solution) for q in pool if q.solution is not None]
    if not data:
        raise ValueError("pool holds no gold solutions")
    return data
