"""pytest: leave framework-class modules out of doctest collection.

``_torch_modules`` defines ``nn.Module`` classes, so it imports torch at the top (the public
``tracr.backends.torch`` imports it lazily). It has no doctests, and importing it during
collection would fail where the extra is missing.
"""

collect_ignore = ["_torch_modules.py"]
