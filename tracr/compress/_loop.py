"""The optimisation loop of ``tracr.compress.compress`` (torch; imported only by it).

Every quantity is computed in float32 on batches drawn from a fixed pool of training inputs
whose targets (the compiled model's sublayer outputs and logits output) were computed
once, in float64, by the numpy model.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch
import torch.nn.functional as F

from tracr.compress import data
from tracr.compress._modules import CompressedTorchModel, CompressedTrace
from tracr.compress.model import CompressedModel
from tracr.compress.training import Step, TrainConfig
from tracr.model import CompiledModel


@dataclasses.dataclass(frozen=True)
class _Targets:
    """``data.Examples`` as tensors, plus the decoded class of every categorical target."""

    ids: torch.Tensor  # [N, T]
    real: torch.Tensor  # [N, T]
    scored: torch.Tensor  # [N, T]
    layer_outputs: torch.Tensor  # [N, S, T, D]
    logits: torch.Tensor  # [N, T, n_out]
    cls: torch.Tensor  # [N, T] argmax of the target output
    none: torch.Tensor  # [N, T] the target decodes as None (categorical only)

    @classmethod
    def of(cls, ex: data.Examples) -> _Targets:
        u = torch.as_tensor(ex.logits, dtype=torch.float32)
        has_values = u.shape[-1] > 0
        return cls(
            ids=torch.as_tensor(ex.ids),
            real=torch.as_tensor(ex.real),
            scored=torch.as_tensor(ex.scored),
            layer_outputs=torch.as_tensor(ex.layer_outputs, dtype=torch.float32),
            logits=u,
            cls=u.argmax(-1) if has_values else torch.zeros(u.shape[:2], dtype=torch.long),
            none=(u.amax(-1) if has_values else torch.zeros(u.shape[:2])) <= data.none_threshold(),
        )

    def take(self, idx: np.ndarray) -> _Targets:
        i = torch.as_tensor(idx)
        return _Targets(*(getattr(self, f.name)[i] for f in dataclasses.fields(self)))


def train(
    compiled: CompiledModel,
    w0: np.ndarray,
    train_ex: data.Examples,
    test_ex: data.Examples,
    values: np.ndarray | None,
    config: TrainConfig,
    rng: np.random.Generator,
    bar,
) -> tuple[CompressedModel, list[Step], bool]:
    """Adam on ``w`` (and the compiled weights with ``train_compiled``), with torch limited
    to ``config.threads`` threads; keeps the state with the best held-out accuracy and stops
    when it is 1. Returns (model, history, stopped early)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        return _train(compiled, w0, train_ex, test_ex, values, config, rng, bar)
    finally:
        torch.set_num_threads(threads)


def _train(compiled, w0, train_ex, test_ex, values, config, rng, bar):
    tm = CompressedModel(compiled, w0, config.decompress_every_layer).to_torch(torch.float32)
    tm.train()
    tm.inner.requires_grad_(config.train_compiled)
    opt = torch.optim.Adam([p for p in tm.parameters() if p.requires_grad], lr=config.lr)
    categorical = values is None
    vals = None if categorical else torch.as_tensor(values, dtype=torch.float32)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, config.steps, config.lr * 0.05)
    pool, test = _Targets.of(train_ex), _Targets.of(test_ex)
    # The starting w is scored too: Adam moves every entry by about lr even at zero loss, so
    # training from an exact start (PCA at full size) could otherwise end worse than it began.
    best, best_state, history = _evaluate(tm, test, vals), copy.deepcopy(tm.state_dict()), []
    for step in range(config.steps if best < 1.0 else 0):
        batch = pool.take(rng.integers(0, len(pool.ids), size=config.batch_size))
        trace = tm(batch.ids, batch.real)
        out_loss, recon = _losses(trace, batch, categorical, config.logit_scale)
        loss = out_loss + config.reconstruction_weight * recon
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        acc = _correct(trace.logits.detach(), batch, vals)
        held = None
        if (step + 1) % config.eval_every == 0 or step + 1 == config.steps:
            held = _evaluate(tm, test, vals)
            if held > best:
                best, best_state = held, copy.deepcopy(tm.state_dict())
        history.append(Step(step, loss.item(), out_loss.item(), recon.item(), acc, held))
        if bar is not None:
            bar.update(history[-1], force=held == 1.0)
        if held == 1.0:
            break
    tm.load_state_dict(best_state)
    return _result_model(compiled, tm, config), history, best == 1.0


def _losses(
    trace: CompressedTrace, t: _Targets, categorical: bool, scale: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(output loss, reconstruction loss), each a mean over the positions it scores."""
    outs = torch.stack(trace.layer_outputs, dim=1)  # [B, S, T, D]
    err = ((outs - t.layer_outputs) ** 2).sum(-1)  # [B, S, T]
    real = t.real[:, None, :].float()  # [B, 1, T]
    recon = (err * real).sum() / (real.sum() * outs.shape[1]).clamp(min=1)
    u = trace.logits  # [B, T, n_out]
    n = t.scored.sum().clamp(min=1)
    if not categorical:
        return ((u[..., 0] - t.logits[..., 0]) ** 2)[t.scored].sum() / n, recon
    valued, empty = t.scored & ~t.none, t.scored & t.none
    ce = F.cross_entropy(scale * u[valued], t.cls[valued], reduction="sum")
    zero = (u[empty] ** 2).sum()  # a None output is the zero vector
    return (ce + zero) / n, recon


def _correct(u: torch.Tensor, t: _Targets, values: torch.Tensor | None) -> float:
    """Fraction of scored positions whose output decodes to the target's value (a number:
    the nearest of ``values``)."""
    if values is None:
        none = u.amax(-1) <= data.none_threshold() if u.shape[-1] else torch.ones_like(t.none)
        same = (none & t.none) | (~none & ~t.none & (u.argmax(-1) == t.cls))
    else:
        got = (u[..., :1] - values).abs().argmin(-1)  # [B, T]
        same = got == (t.logits[..., :1] - values).abs().argmin(-1)
    return (same & t.scored).sum().item() / max(t.scored.sum().item(), 1)


def _evaluate(tm: CompressedTorchModel, test: _Targets, values: torch.Tensor | None) -> float:
    with torch.no_grad():
        return _correct(tm(test.ids, test.real).logits, test, values)


def _result_model(
    compiled: CompiledModel, tm: CompressedTorchModel, config: TrainConfig
) -> CompressedModel:
    w = tm.w.detach().cpu().double().numpy()
    if config.train_compiled:
        compiled = dataclasses.replace(compiled, **_weights_of(tm.inner))
    return CompressedModel(compiled, w, config.decompress_every_layer)


def _weights_of(inner) -> dict:
    """A ``TracrTorchModel``'s weights back in ``CompiledModel`` form (float64 numpy)."""

    def np64(x: torch.Tensor) -> np.ndarray:
        return x.detach().cpu().double().numpy()

    params = {
        "token_embed": {"embeddings": np64(inner.token_embed.weight)},
        "pos_embed": {"embeddings": np64(inner.pos_embed.weight)},
    }
    for i, block in enumerate(inner.blocks):
        for sub, names in (
            ("attn", ("query", "key", "value", "linear")),
            ("mlp", ("linear_1", "linear_2")),
        ):
            for name in names:
                lin = getattr(getattr(block, sub), name)
                params[f"transformer/layer_{i}/{sub}/{name}"] = {
                    "w": np64(lin.weight).T.copy(),
                    "b": np64(lin.bias),
                }
    return {"params": params, "unembedding": np64(inner.unembedding)}
