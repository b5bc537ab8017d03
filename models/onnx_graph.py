"""Small ONNX graph surgery shared by the converter and the loader."""

from __future__ import annotations

from collections.abc import Sequence

import onnx


def live_nodes(
    nodes: Sequence[onnx.NodeProto], outputs: Sequence[str]
) -> tuple[list[onnx.NodeProto], set[str]]:
    """The nodes the given outputs depend on (in order), and every tensor name they read."""
    needed = set(outputs)
    kept: list[onnx.NodeProto] = []
    for node in reversed(nodes):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(node.input)
    return kept[::-1], needed


def keep_outputs(model: onnx.ModelProto, names: Sequence[str]) -> None:
    """Drop graph outputs not in ``names`` and every node and weight only they needed."""
    graph = model.graph
    kept_outputs = [o for o in graph.output if o.name in names]
    del graph.output[:]
    graph.output.extend(kept_outputs)
    nodes, needed = live_nodes(list(graph.node), names)
    del graph.node[:]
    graph.node.extend(nodes)
    weights = [init for init in graph.initializer if init.name in needed]
    del graph.initializer[:]
    graph.initializer.extend(weights)
