"""Collection settings for the whole repository (the doctests under src/ included)."""

import importlib.util

# the compiled kernels import numba when imported: without numba there is nothing to collect
collect_ignore_glob = [] if importlib.util.find_spec("numba") else ["src/techbloc/model/jit/*"]
