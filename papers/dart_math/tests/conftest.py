import os

os.environ["PAPERSHELF_PROGRESS"] = "0"
