"""tracr: compile RASP programs into the weights of exact, labelled transformers.

The package is a pipeline; each folder is one stage (see README.md):
``rasp`` (the language) -> ``compiler`` (using ``craft``, the IR) -> ``model`` (plain
numpy weights) -> ``backends`` / ``export`` / ``viz`` (leaves).
"""

__version__ = "0.1.0"
