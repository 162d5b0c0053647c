"""pytest: leave framework-class modules out of doctest collection.

``_hooked`` subclasses TransformerLens's HookedTransformer, so it imports transformer_lens at
the top (``tracr.export.transformer_lens`` imports it lazily). It has no doctests, and
importing it during collection costs seconds, or fails where the extra is missing.
"""

collect_ignore = ["_hooked.py"]
