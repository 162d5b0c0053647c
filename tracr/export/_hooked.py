"""TransformerLens 3.x: a ``HookedTransformer`` that masks PAD keys (imported lazily).

HookedTransformer 3.x applies its ``attention_mask`` only inside the causal mask, so a
bidirectional model would attend to padding. tracr's contract is that PAD keys are masked out
of every head, causal or not; this subclass does it with a permanent hook on every
``hook_attn_scores``, fed by the ids of the current call (``tokens != PAD``) or by the
``attention_mask`` the caller passes ([batch, pos], 1 = real key). Everything else is the
stock HookedTransformer: ``run_with_cache``, ``run_with_hooks``, hook names, ``W_Q`` ...
"""

from __future__ import annotations

from typing import Any

import torch
from transformer_lens import HookedTransformer


class TracrHookedTransformer(HookedTransformer):
    """A HookedTransformer holding a compiled tracr model; see the module docstring.

    Masked scores are set to ``-inf`` before ``hook_attn_scores`` caches run, matching the
    numpy model's ``attn_logits``. With ``start_at_layer`` (residual input) pass
    ``attention_mask`` yourself, or padded keys stay visible.
    """

    def __init__(self, cfg: Any, pad_id: int):
        super().__init__(cfg)
        self.tracr_pad_id = pad_id
        self._key_is_real: torch.Tensor | None = None
        for block in self.blocks:
            block.attn.hook_attn_scores.add_perma_hook(self._mask_padded_keys)

    def forward(self, input: Any, *args: Any, **kwargs: Any) -> Any:
        mask = kwargs.pop("attention_mask", None)
        if mask is None and isinstance(input, torch.Tensor) and not input.is_floating_point():
            mask = input != self.tracr_pad_id  # [batch, pos]
        self._key_is_real = None if mask is None else mask.bool()
        try:
            return super().forward(input, *args, **kwargs)
        finally:
            self._key_is_real = None

    def _mask_padded_keys(self, scores: torch.Tensor, hook: Any) -> torch.Tensor:
        if self._key_is_real is None:
            return scores
        keys = self._key_is_real.to(scores.device)[:, None, None, :]  # [batch, 1, 1, key_pos]
        return scores.masked_fill(~keys, float("-inf"))  # [batch, head, query_pos, key_pos]
