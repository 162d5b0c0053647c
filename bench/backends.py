"""``python -m bench.backends``: forward throughput of each backend, relative to numpy.

For a few library programs, each backend runs the raw batched forward pass (token ids in,
every intermediate out; no encoding or decoding) on random full-length inputs at batch 64 and
1024. Each time is the best of 3 after a warm-up call (which is where jit compiles). The
``vs numpy`` column is the numpy model's time over the backend's, measured in the same run:
above 1 is faster. Backends whose extra is missing are skipped. Options: ``--programs``,
``--sizes 5x10,8x16``, ``--batches 64,1024``, ``--repeat``, ``--torch-threads`` (default 1:
torch's intra-op threads cost more than they give on these small matrices, and on a busy
machine they spin; pass 0 to keep torch's default).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import warnings
from collections.abc import Callable

import numpy as np

from bench.common import best_of, table, write_json
from tracr.compiler import compiling, lib_catalog
from tracr.model import CompiledModel

PROGRAMS = ["reverse", "sort", "shuffle_dyck2"]
SIZES = [(5, 10), (8, 16)]  # at 10x32 a batch of 1024 takes numpy ~20 s per call
BATCHES = [64, 1024]

Runner = Callable[[np.ndarray, np.ndarray], Callable[[], object]]


def numpy_runner(model: CompiledModel) -> Runner:
    return lambda ids, mask: lambda: model.forward(ids, mask)


def torch_runner(model: CompiledModel, device: str) -> Runner:
    import torch

    from tracr.backends.torch import to_torch

    tmodel = to_torch(model, device=device)

    def make(ids: np.ndarray, mask: np.ndarray) -> Callable[[], object]:
        t_ids, t_mask = torch.as_tensor(ids, device=device), torch.as_tensor(mask, device=device)

        def run() -> object:
            with torch.no_grad():
                out = tmodel(t_ids, t_mask)
            if device == "cuda":
                torch.cuda.synchronize()
            return out

        return run

    return make


def haiku_runner(model: CompiledModel) -> Runner:
    import jax

    from tracr.backends.haiku import to_haiku

    hmodel = to_haiku(model)
    return lambda ids, mask: lambda: jax.block_until_ready(hmodel.forward(hmodel.params, ids, mask))


def transformer_lens_runner(model: CompiledModel) -> Runner:
    import torch

    from tracr.export.transformer_lens import to_transformer_lens

    tl_model = to_transformer_lens(model)

    def make(ids: np.ndarray, mask: np.ndarray) -> Callable[[], object]:
        t_ids, t_mask = torch.as_tensor(ids), torch.as_tensor(mask)

        def run() -> object:
            with torch.no_grad():
                return tl_model(t_ids, attention_mask=t_mask)

        return run

    return make


def runners(model: CompiledModel) -> dict[str, Runner]:
    """Every backend whose extra is installed (torch-cuda when a GPU is visible)."""
    found: dict[str, Runner] = {"numpy": numpy_runner(model)}
    candidates: dict[str, Callable[[], Runner]] = {
        "torch": lambda: torch_runner(model, "cpu"),
        "haiku": lambda: haiku_runner(model),
        "transformer-lens": lambda: transformer_lens_runner(model),
    }
    if _cuda_available():
        candidates["torch-cuda"] = lambda: torch_runner(model, "cuda")
    for name, build in candidates.items():
        try:
            found[name] = build()
        except ImportError:
            continue
    return found


def random_ids(model: CompiledModel, batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Full-length random inputs [batch, n_ctx] (BOS first) and their all-true key mask."""
    enc = model.input_encoder
    vocab_ids = [enc.encoding_map[t] for t in enc.vocab]
    rng = np.random.default_rng(seed)
    ids = rng.choice(vocab_ids, size=(batch, model.model_config.n_ctx))
    ids[:, 0] = enc.encoding_map[enc.bos_token]
    return ids, np.ones_like(ids, dtype=bool)


def measure(name: str, v: int, n: int, batches: list[int], repeat: int) -> list[dict]:
    case = lib_catalog.build(name, v, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = compiling.compile_rasp_to_model(case.program, case.vocab, n)
    rows = []
    backends = runners(model)
    for batch in batches:
        ids, mask = random_ids(model, batch)
        times = {}
        for backend, make in backends.items():
            run = make(ids, mask)
            run()  # warm-up: jit compilation, allocator
            times[backend] = best_of(run, repeat=repeat)
        for backend, seconds in times.items():
            rows.append({
                "program": name, "vocab": v, "max_seq_len": n,
                "d_model": model.model_config.d_model, "layers": model.model_config.num_layers,
                "backend": backend, "batch": batch, "ms": round(seconds * 1e3, 2),
                "seqs/s": int(batch / seconds), "vs numpy": round(times["numpy"] / seconds, 2),
            })  # fmt: skip
    return rows


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def _set_torch_threads(n: int) -> None:
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(n)


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("numpy", "torch", "jax", "dm-haiku", "transformer-lens"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", default=",".join(PROGRAMS))
    parser.add_argument("--sizes", default=",".join(f"{v}x{n}" for v, n in SIZES))
    parser.add_argument("--batches", default=",".join(map(str, BATCHES)))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--torch-threads", type=int, default=1)
    args = parser.parse_args(argv)
    if args.torch_threads:
        _set_torch_threads(args.torch_threads)
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    batches = [int(b) for b in args.batches.split(",")]
    rows = []
    for name in args.programs.split(","):
        for v, n in sizes:
            rows += measure(name, v, n, batches, args.repeat)
            print(f"{name} {v}x{n}: done", file=sys.stderr, flush=True)
    columns = ["program", "vocab", "max_seq_len", "d_model", "layers", "backend", "batch",
               "ms", "seqs/s", "vs numpy"]  # fmt: skip
    print(table(rows, columns))
    meta = {"versions": _versions(), "repeat": args.repeat, "torch_threads": args.torch_threads}
    path = write_json("backends", rows, meta=meta)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
