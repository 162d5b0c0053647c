"""``compile_rasp_to_model``: validate, then one call per stage, nothing else.

    trace (rasp_to_graph)  ->  flatten selectors  ->  infer value sets (basis_inference)
    ->  validate  ->  build blocks (graph_to_craft)  ->  allocate layers  ->  assemble
    ->  record where the model is exact in float32 / bfloat16 / float16 (low_precision)
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Hashable, Iterable

from tracr.compiler import (
    allocation,
    assemble,
    basis_inference,
    craft_to_model,
    economy,
    economy_rewrites,
    graph_to_craft,
    lookahead,
    low_precision,
    rasp_to_graph,
    selectors,
    size_guard,
    sizing,
    validating,
)
from tracr.compiler.nodes import COMPILER_BOS, COMPILER_PAD
from tracr.craft.bases import BasisDirection
from tracr.errors import CompilerError, UnsupportedExprError
from tracr.rasp import rasp

SMALL_MODEL = 200_000  # parameters below which both layouts are sized and compared
# The economical layout is sized itself when the reference estimate exceeds max_params by
# less than this factor (reverse at 1024 is ~100x smaller than the reference's n^3 table).
ECONOMY_HEADROOM = 1000


def compile_rasp_to_model(
    program: rasp.SOp,
    vocab: Iterable[Hashable],
    max_seq_len: int,
    causal: bool = False,
    compiler_bos: Hashable = COMPILER_BOS,
    compiler_pad: Hashable = COMPILER_PAD,
    mlp_exactness: float | None = None,
    *,
    layout: str = "economical",
    max_params: int | None = size_guard.DEFAULT_MAX_PARAMS,
) -> assemble.AssembledTransformerModel:
    """Compile ``program`` into a transformer exact on every input over ``vocab`` of length
    1..``max_seq_len`` (after a leading ``compiler_bos``), or raise naming what cannot be.

    ``mlp_exactness``: the discretising MLPs' step sharpness is derived from the gaps between
    known values; a number given here can only make the steps sharper, never blunter.

    ``layout``: ``"economical"`` (default) picks, for each expression, the cheapest exact
    construction; ``"reference"`` builds the reference's one construction per expression
    (one-hot tables everywhere), for comparison with published layouts.

    ``max_params``: refuse (``CompilerError``, naming the largest expression) a model with
    more parameters than this. A lower-bound estimate from the value sets refuses at once, before
    any weight is built, what is far too large; the model's exact size (``sizing``, from the
    blocks, which are as small as their own spaces) is checked before the full-width weights
    are assembled. None compiles whatever the size.
    """
    vocab_set = _check_arguments(vocab, max_seq_len, causal, compiler_bos, compiler_pad,
                                 mlp_exactness)
    if max_params is not None and (isinstance(max_params, bool)
                                   or not isinstance(max_params, int) or max_params < 1):
        raise CompilerError(f"max_params must be a positive integer or None, got {max_params!r}")
    if layout not in economy.LAYOUTS:
        raise CompilerError(
            f"layout must be one of {', '.join(map(repr, economy.LAYOUTS))}, got {layout!r}"
        )
    graph = selectors.flatten_selectors(rasp_to_graph.trace(program))
    agraph = basis_inference.infer_value_sets(graph, vocab_set, max_seq_len, causal)
    problems = validating.static_problems(agraph, mlp_exactness)
    if problems:
        raise UnsupportedExprError([str(p) for p in problems])
    if layout == "reference" or max_params is None:
        size_guard.check(agraph, max_params)
    elif size_guard.estimate(agraph).params > ECONOMY_HEADROOM * max_params:
        size_guard.check(agraph, max_params)  # beyond what any construction saves: at once
    if causal:
        lookahead.warn_if_lookahead(program, vocab_set, max_seq_len)
    settings = graph_to_craft.CraftSettings(
        bos=BasisDirection("tokens", compiler_bos),
        coldness=graph_to_craft.coldness_for(max_seq_len),
        mlp_exactness=mlp_exactness,
        causal=causal,
        layout=layout,
    )
    if layout == "economical":
        agraph, settings, blocks, params = _economical(agraph, settings, compiler_bos,
                                                       compiler_pad)
    else:
        blocks = graph_to_craft.build_blocks(agraph, settings)
        params = sizing.size_of_blocks(agraph, blocks, compiler_bos, compiler_pad)[1]
    _check_size(agraph, params, max_params)
    alloc = allocation.allocate(agraph.graph, blocks)
    model = craft_to_model.assemble(agraph, blocks, alloc, compiler_bos, compiler_pad)
    record = low_precision.precision_record(agraph, blocks, settings, model)
    return assemble.AssembledTransformerModel.of(dataclasses.replace(model, precision=record))


def _check_size(agraph, params: int, max_params: int | None) -> None:
    """The size guard's exact check: the blocks are built (each as small as its own spaces)
    and the model they assemble to is sized (``sizing``) before any full-width weight is
    allocated. The estimate before it (``size_guard``) is a lower bound that refuses at once
    what is far too big; this check refuses what the estimate let through."""
    if max_params is None or params <= max_params:
        return
    largest = size_guard.estimate(agraph)
    raise CompilerError(
        f"the compiled model would have {params:,} parameters "
        f"({params * 8 / 1e9:.2g} GB in float64), above max_params={max_params:,}; the "
        f"largest part is {largest.largest}. Lower max_seq_len or the vocabulary, or pass a "
        "larger max_params (None: no limit) if the machine can hold it"
    )


def _economical(agraph, settings, bos, pad):
    """The economical graph, settings, blocks and parameter count, or the reference's where
    that is no bigger (the blocks are built once and sized, then assembled).

    The economical constructions carry small fixed costs (a second head, two numbers and a
    few units); on tiny models these can exceed what they save. Below ``SMALL_MODEL``
    parameters both layouts are sized (``sizing``, cheap there) and the smaller is built.
    """
    eco = _split_ranks(agraph, settings, bos, pad)
    blocks = graph_to_craft.build_blocks(eco, settings)
    layers, params = sizing.size_of_blocks(eco, blocks, bos, pad)
    if params >= SMALL_MODEL:
        return eco, settings, blocks, params
    reference = dataclasses.replace(settings, layout="reference")
    ref_blocks = graph_to_craft.build_blocks(agraph, reference)
    ref_layers, ref_params = sizing.size_of_blocks(agraph, ref_blocks, bos, pad)
    if ref_layers < layers or (ref_layers == layers and ref_params <= params):
        return agraph, reference, ref_blocks, ref_params
    return eco, settings, blocks, params


def _split_ranks(agraph, settings, bos, pad):
    """The economical layout's one graph rewrite (``economy_rewrites``), re-annotated, where
    it compiles to a model no deeper and strictly smaller (``sizing``)."""
    rewritten = economy_rewrites.split_ranks(agraph)
    if rewritten is None:
        return agraph
    split = basis_inference.infer_value_sets(rewritten, agraph.vocab, agraph.max_seq_len,
                                             agraph.causal)
    (layers, params), (old_layers, old_params) = (
        sizing.estimated_size(g, settings, bos, pad) for g in (split, agraph))
    return split if layers <= old_layers and params < old_params else agraph


def _check_arguments(vocab, max_seq_len, causal, bos, pad, mlp_exactness) -> frozenset:
    try:
        vocab_set = frozenset(vocab)
    except TypeError as exc:
        raise CompilerError(f"vocab must be a set of hashable tokens: {exc}") from exc
    if isinstance(vocab, str):
        raise CompilerError("vocab must be a collection of tokens, not a string")
    if not vocab_set:
        raise CompilerError("vocab is empty; give at least one token")
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int) or max_seq_len < 1:
        raise CompilerError(f"max_seq_len must be an integer >= 1, got {max_seq_len!r}")
    for name, token in (("compiler_bos", bos), ("compiler_pad", pad)):
        try:
            hash(token)
        except TypeError:
            raise CompilerError(f"{name} must be hashable (like a token), got "
                                f"{type(token).__name__} {token!r}") from None
    if bos in vocab_set:
        raise CompilerError(f"compiler_bos {bos!r} is also in the vocabulary; pick another")
    if pad in vocab_set:
        raise CompilerError(f"compiler_pad {pad!r} is also in the vocabulary; pick another")
    if bos == pad:
        raise CompilerError(f"compiler_bos and compiler_pad are both {bos!r}")
    if None in vocab_set:
        raise CompilerError("vocab contains None, which RASP reserves for 'no value'")
    if not isinstance(causal, bool):
        raise CompilerError(f"causal must be True or False, got {causal!r}")
    _check_exactness(mlp_exactness)
    return vocab_set


MAX_EXACTNESS = 1e10  # a step's slope times its input must stay far above float64 rounding


def _check_exactness(mlp_exactness) -> None:
    if mlp_exactness is None:
        return
    if isinstance(mlp_exactness, bool) or not isinstance(mlp_exactness, numbers.Real):
        raise CompilerError(f"mlp_exactness must be a number, got "
                            f"{type(mlp_exactness).__name__} {mlp_exactness!r}")
    if not 0 < mlp_exactness <= MAX_EXACTNESS:  # also refuses nan
        raise CompilerError(
            f"mlp_exactness must be a positive number up to {MAX_EXACTNESS:g}, got "
            f"{mlp_exactness!r}: steeper steps than that lose float64 precision (and the "
            "default, None, is already exact)"
        )
