"""pytest: skip doctest collection of backend modules whose optional extra is missing.

The modules that define framework classes (``_torch_modules``) import their framework at the
top, as class definitions need it; the public modules import it lazily.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["_torch_modules.py"]
