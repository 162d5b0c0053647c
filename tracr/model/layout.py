"""What the compiler put where: plain-data descriptions of blocks and program nodes.

The model layer knows no RASP; the compiler records, as strings and numbers, which program
expression each head and MLP computes, so that viewers and exporters can show it.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class BlockInfo:
    """One attention head or one MLP block inside a layer.

    ``sublayer`` is "attn" or "mlp". For a head, ``head`` is its index in the layer; for an MLP,
    ``hidden`` is the [start, stop) range of hidden units it owns in that layer.
    ``reads`` and ``writes`` list the residual labels of the subspaces it reads and writes.
    """

    layer: int
    sublayer: str
    label: str
    kind: str
    description: str
    head: int | None = None
    hidden: tuple[int, int] | None = None
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> BlockInfo:
        d = dict(d)
        d["hidden"] = tuple(d["hidden"]) if d.get("hidden") is not None else None
        d["reads"] = tuple(d.get("reads", ()))
        d["writes"] = tuple(d.get("writes", ()))
        return cls(**d)


@dataclasses.dataclass(frozen=True)
class NodeInfo:
    """One expression of the compiled program.

    ``layer``/``sublayer`` say where it is computed (None for values the embedding provides
    and for selectors, which live inside the heads that use them). ``values`` is a readable
    rendering of its value set.
    """

    label: str
    name: str
    kind: str
    encoding: str | None
    children: tuple[str, ...]
    description: str
    values: str = ""
    layer: int | None = None
    sublayer: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> NodeInfo:
        d = dict(d)
        d["children"] = tuple(d["children"])
        return cls(**d)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Blocks in layer order and program nodes in dependency order; ``output`` is a label."""

    blocks: tuple[BlockInfo, ...] = ()
    nodes: tuple[NodeInfo, ...] = ()
    output: str = ""

    def blocks_in(self, layer: int, sublayer: str) -> list[BlockInfo]:
        return [b for b in self.blocks if b.layer == layer and b.sublayer == sublayer]

    def to_dict(self) -> dict:
        return {
            "blocks": [b.to_dict() for b in self.blocks],
            "nodes": [n.to_dict() for n in self.nodes],
            "output": self.output,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Layout:
        return cls(
            blocks=tuple(BlockInfo.from_dict(b) for b in d.get("blocks", [])),
            nodes=tuple(NodeInfo.from_dict(n) for n in d.get("nodes", [])),
            output=d.get("output", ""),
        )
