"""Compile `reverse` and run it: the example of the README, runnable as a script."""

from tracr.compiler import compiling
from tracr.rasp import rasp

length = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE))
opp_index = length - rasp.indices - 1
flip = rasp.Select(rasp.indices, opp_index, rasp.Comparison.EQ)
reverse = rasp.Aggregate(flip, rasp.tokens)

model = compiling.compile_rasp_to_model(
    reverse, vocab={1, 2, 3}, max_seq_len=5, compiler_bos="BOS"
)
out = model.apply(["BOS", 1, 2, 3])
print("decoded:", out.decoded)
cfg = model.model_config
print(f"layers {cfg.num_layers}, heads {cfg.num_heads}, d_model {cfg.d_model}, "
      f"mlp width {cfg.mlp_hidden_size}")
print("residual labels:", ", ".join(model.residual_labels))
