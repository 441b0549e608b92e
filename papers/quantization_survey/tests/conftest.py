import os

os.environ["PAPERSHELF_PROGRESS"] = "0"

import torch

torch.set_num_threads(1)  # small tensors: one thread is faster on the 2-core reference machine
