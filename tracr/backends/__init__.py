"""The compiled model in frameworks: ``torch.to_torch``, ``haiku.to_haiku`` (leaves).

Each module imports its framework inside the function that needs it, and raises
``MissingDependencyError`` naming the extra to install when it is missing.
"""
