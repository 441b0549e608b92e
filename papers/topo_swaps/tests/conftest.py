import os
import sys
from pathlib import Path

import scipy.linalg  # noqa: F401 - load every BLAS library before pinning its threads
import sklearn.linear_model  # noqa: F401

from papershelf import set_threads

os.environ["PAPERSHELF_PROGRESS"] = "0"
sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py
# The presets run on one BLAS thread; so do the tests (tiny matrices on a busy 2-core machine
# are orders of magnitude slower with two spinning threads).
set_threads(1)
