"""The two ways the fast algorithm refuses an input instead of returning an inaccurate result."""


class BoundedEntryError(ValueError):
    """An entry of Q or of a key matrix exceeds the declared bound B (‖·‖∞ ≤ B is the theorem's
    hypothesis; the degree of the polynomial, hence the accuracy, is chosen from B)."""


class FastMethodUnavailable(ValueError):
    """The polynomial method cannot meet the accuracy within its limits (degree cap, memory
    budget): the entries are too large for the bounded-entry regime. Use the exact method."""
