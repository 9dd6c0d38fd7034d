"""NAS-Bench-201: a cell of 4 nodes and 6 edges, 5 candidate ops per edge (15,625 cells).

Architecture value: a tuple of 6 op names in NAS-Bench-201's edge order
``(1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2)``. The id is NAS-Bench-201's own arch string,
``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

:meth:`NASBench201Space.build` is the NAS-Bench-201 macro skeleton: a 3x3 stem, three stages of
``N`` cells with ``C``, ``2C``, ``4C`` channels separated by residual reduction blocks, a final
BN-ReLU, global pooling and a linear classifier.

Example:
    >>> from oneproxy_plugins.spaces import NASBench201Space
    >>> space = NASBench201Space()
    >>> arch = space.from_id("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|")
    >>> space.encode(arch).shape
    (35,)
    >>> dead = "|nor_conv_3x3~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|"
    >>> space.live_op_counts([arch, dead]).tolist()  # skip, 1x1, 3x3, pool on live paths
    [[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 1.0]]

:meth:`NASBench201Space.live_op_counts` counts only the ops that lie on some input-to-output
path of the cell; :meth:`NASBench201Space.encode_latency_many` appends them to the encoding.
A runtime that prunes dead subgraphs never runs the other ops (``pixel3`` measures below
0.1 ms for cells without a live path), and in NAS-Bench-201's reference code a cell whose
output is cut off from its input outputs zeros. The latency adapters
(:mod:`oneproxy_plugins.adaproxy`) use these features; :meth:`~NASBench201Space.encode` keeps
its 35 columns.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_int
from oneproxy_plugins.exceptions import InvalidArchitectureError
from oneproxy_plugins.spaces._base import BaseSpace

__all__ = ["NASBench201Space", "NB201_OPS", "NB201_EDGES"]

NB201_OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""Candidate ops in NAS-Bench-201's own order."""

NB201_EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
"""Edges ``(to_node, from_node)`` in the order of the arch string and of the parameters."""

_NODE_RE = re.compile(r"^\|(?:[^|~]+~\d+\|)+$")


def _live_edges(index: np.ndarray) -> np.ndarray:
    """Live-edge mask ``(n, 6)`` from op indices ``(n, 6)`` (0 is ``none``)."""
    present = index != 0
    n = len(index)
    edge = {e: present[:, j] for j, e in enumerate(NB201_EDGES)}
    reached = [np.ones(n, dtype=bool)]  # node 0, the input
    for node in (1, 2, 3):
        reached.append(np.logical_or.reduce([reached[src] & edge[(node, src)]
                                             for src in range(node)]))
    reaches = {3: np.ones(n, dtype=bool)}  # node 3, the output
    for node in (2, 1, 0):
        reaches[node] = np.logical_or.reduce([reaches[dst] & edge[(dst, node)]
                                              for dst in range(node + 1, 4)])
    return np.stack([present[:, j] & reached[src] & reaches[dst]
                     for j, (dst, src) in enumerate(NB201_EDGES)], axis=1)


def _live_op_counts(index: np.ndarray) -> np.ndarray:
    live = _live_edges(index)
    return np.stack([((index == op) & live).sum(axis=1) for op in range(1, len(NB201_OPS))],
                    axis=1).astype(np.float64)


def _param_name(edge: tuple[int, int]) -> str:
    return f"edge_{edge[1]}_{edge[0]}"


class NASBench201Space(BaseSpace):
    """The NAS-Bench-201 cell space (6 edges x 5 ops).

    Parameters are named ``edge_<from>_<to>`` (e.g. ``edge_0_1``) with the op names as choices.
    """

    name = "nasbench201"
    data_folder = "nasbench201"
    latency_scale = "ms"  # a cell's ops add up, from dead cells to all-conv ones (one place)

    _PARAMS = {_param_name(e): NB201_OPS for e in NB201_EDGES}

    @property
    def params(self) -> Mapping[str, tuple]:
        return self._PARAMS

    @property
    def size(self) -> int:
        return 15625

    def _is_arch(self, value: Any) -> bool:
        return isinstance(value, tuple) and len(value) == 6 and all(v in NB201_OPS for v in value)

    def to_id(self, arch: tuple[str, ...]) -> str:
        return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*self.coerce(arch))

    def _parse_id(self, arch_id: str) -> tuple[str, ...]:
        nodes = arch_id.split("+")
        if len(nodes) != 3 or not all(_NODE_RE.match(n) for n in nodes):
            raise InvalidArchitectureError(
                f"Malformed nasbench201 arch string {arch_id!r}; expected three '+'-separated "
                f"nodes like '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...~0|...~1|...~2|'.")
        ops: list[str] = []
        for to_node, node in enumerate(nodes, start=1):
            entries = node.strip("|").split("|")
            if len(entries) != to_node:
                raise InvalidArchitectureError(
                    f"nasbench201 arch string {arch_id!r}: node {to_node} has {len(entries)} "
                    f"inputs; expected {to_node}.")
            for from_node, entry in enumerate(entries):
                op, _, src = entry.partition("~")
                if op not in NB201_OPS:
                    raise InvalidArchitectureError(
                        f"nasbench201 arch string {arch_id!r}: unknown op {op!r} on edge "
                        f"{from_node}->{to_node}; allowed: {list(NB201_OPS)}.")
                if src != str(from_node):
                    raise InvalidArchitectureError(
                        f"nasbench201 arch string {arch_id!r}: input '~{src}' of node {to_node} "
                        f"should be '~{from_node}'.")
                ops.append(op)
        return tuple(ops)

    def _from_params(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(params[n] for n in self._PARAMS)

    def to_params(self, arch: tuple[str, ...]) -> dict[str, Any]:
        return dict(zip(self._PARAMS, self.coerce(arch)))

    def from_record(self, record: Mapping[str, Any]) -> tuple[str, ...]:
        """Row of ``nasbench201/architectures.csv``: the ``arch`` column."""
        if "arch" not in record:
            raise InvalidArchitectureError(
                f"A nasbench201 architecture record needs an 'arch' column; got {sorted(record)}.")
        return self.from_id(str(record["arch"]))

    def enumerate(self) -> Iterator[tuple[str, ...]]:
        """Yield the 15,625 cells in NAS-Bench-201 index order.

        NAS-Bench-201 generated every cell (first edge slowest), then shuffled the list with
        Python's ``random.seed(88)``; this reproduces that order exactly.
        """
        import itertools

        archs = list(itertools.product(NB201_OPS, repeat=6))
        random.Random(88).shuffle(archs)
        yield from archs

    def _count_groups(self) -> dict[str, list[str]]:
        return {"ops": list(self._PARAMS)}

    # ------------------------------------------------------------ latency features
    def live_edges(self, archs: Iterable[tuple[str, ...] | str]) -> np.ndarray:
        """Which edges carry an op on some input-to-output path of the cell.

        An edge is live when its op is not ``none``, its source node is reachable from the
        input (node 0) and its destination reaches the output (node 3), both through edges
        whose op is not ``none``.

        Args:
            archs: Architectures or their ids, ``n`` of them.

        Returns:
            Bool array of shape ``(n, 6)`` in :data:`NB201_EDGES` order.
        """
        index = self._choice_index_matrix([self.coerce(a) for a in archs])
        return _live_edges(index)

    def live_op_counts(self, archs: Iterable[tuple[str, ...] | str]) -> np.ndarray:
        """How many of each op lie on some input-to-output path of the cell.

        Args:
            archs: Architectures or their ids, ``n`` of them.

        Returns:
            Float array of shape ``(n, 4)``: counts of ``skip_connect``, ``nor_conv_1x1``,
            ``nor_conv_3x3``, ``avg_pool_3x3`` on live edges (see :meth:`live_edges`).
        """
        index = self._choice_index_matrix([self.coerce(a) for a in archs])
        return _live_op_counts(index)

    def latency_feature_names(self) -> list[str]:
        """Names of the columns of :meth:`encode_latency_many`."""
        return self.feature_names() + [f"live[ops]={op}" for op in NB201_OPS[1:]]

    def encode_latency_many(self, archs: Iterable[tuple[str, ...] | str]) -> np.ndarray:
        """The encoding (:meth:`encode_many`) followed by :meth:`live_op_counts`.

        The features latency adapters model latency on: ``(n, 39)``. On OneProxy's
        1999-architecture subset the live counts raise a full-data linear fit of
        ``eagle_i7_7820x`` from SRCC 0.927 to 0.951; they change nothing for devices that run
        every op (the HELP GPUs).
        """
        archs = [self.coerce(a) for a in archs]
        index = self._choice_index_matrix(archs)
        return np.c_[self.encode_many(archs), _live_op_counts(index)]

    def input_shape(self, batch_size: int = 1, *, input_size: int = 32, in_channels: int = 3,
                    **cfg: Any) -> tuple[int, ...]:
        return (batch_size, in_channels, input_size, input_size)

    def build(self, arch: tuple[str, ...] | str, *, C: int = 16, N: int = 5,  # noqa: N803
              num_classes: int = 10, input_size: int = 32, in_channels: int = 3) -> Any:
        """Build the NAS-Bench-201 network.

        Args:
            arch: Architecture or its arch string.
            C: Channels of the first stage (NAS-Bench-201: 16).
            N: Cells per stage (NAS-Bench-201: 5).
            num_classes: Classifier outputs (10 for CIFAR-10, 120 for ImageNet16-120).
            input_size: Input height and width (32 for CIFAR, 16 for ImageNet16-120); the
                network is fully convolutional so this only documents the expected input.
            in_channels: Input channels.

        Returns:
            A ``torch.nn.Module`` in eval mode mapping ``(B, in_channels, H, W)`` to logits.
        """
        from oneproxy_plugins.spaces._nb201_torch import NB201Network

        C, N = check_int("C", C, 1), check_int("N", N, 1)  # noqa: N806
        num_classes = check_int("num_classes", num_classes, 1)
        return NB201Network(self.coerce(arch), C=C, N=N, num_classes=num_classes,
                            in_channels=in_channels).eval()
