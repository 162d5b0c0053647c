"""The RASP language: expressions, operators, annotations, the evaluator and the causal one.

Users import the public surface as ``from tracr.rasp import rasp`` (and
``from tracr.rasp import causal_eval``). This package knows nothing of craft or the compiler.
"""
