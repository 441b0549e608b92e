import os
import sys
from pathlib import Path

os.environ["PAPERSHELF_PROGRESS"] = "0"
sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py

import papershelf

papershelf.set_threads(1)  # as the presets do: small kernels and models run best on one thread
