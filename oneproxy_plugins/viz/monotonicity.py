"""SRCC heatmaps: how far each device's latency ranking agrees with every other's.

:func:`srcc_heatmap_data` computes the matrix (optionally reordered so that devices that rank
alike sit together); :func:`plot_srcc_heatmap` draws any matrix with its names, one annotated
cell per pair.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.viz import plot_srcc_heatmap, srcc_heatmap_data
    >>> lat = np.array([[1.0, 2.0, 9.0], [2.0, 4.0, 8.0], [3.0, 5.0, 7.0], [4.0, 7.0, 1.0]])
    >>> data = srcc_heatmap_data(lat, devices=["cpu", "gpu", "npu"])
    >>> data.matrix.round(2).tolist()
    [[1.0, 1.0, -1.0], [1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]
    >>> ax = plot_srcc_heatmap(*data)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from oneproxy_plugins._checks import check_choice
from oneproxy_plugins._imports import optional_import
from oneproxy_plugins.monotonicity import kendall_matrix, srcc_matrix

if TYPE_CHECKING:
    import matplotlib.axes

    from oneproxy_plugins.latency import LatencyTable

__all__ = ["SRCCHeatmapData", "srcc_heatmap_data", "plot_srcc_heatmap"]

_ORDERS = (None, "cluster")


class SRCCHeatmapData(NamedTuple):
    """What :func:`plot_srcc_heatmap` draws: ``plot_srcc_heatmap(*data)``."""

    matrix: np.ndarray
    """Array of shape ``(n_devices, n_devices)``: SRCC (or tau), NaN where undefined."""
    names: list[str]
    """Device names in the matrix's order."""


def _cluster_order(matrix: np.ndarray) -> np.ndarray:
    """Leaf order of average-linkage clustering on ``1 - SRCC`` (NaN counted as unrelated)."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    if len(matrix) < 3:
        return np.arange(len(matrix))
    distance = 1.0 - np.nan_to_num(matrix, nan=0.0)
    np.fill_diagonal(distance, 0.0)
    distance = np.clip((distance + distance.T) / 2, 0.0, 2.0)
    return leaves_list(linkage(squareform(distance, checks=False), method="average"))


def srcc_heatmap_data(table: LatencyTable | np.ndarray, devices: Sequence[str] | None = None,
                      *, method: str = "spearman", order: str | None = None) -> SRCCHeatmapData:
    """The matrix of a device-by-device SRCC heatmap.

    Args:
        table: A :class:`~oneproxy_plugins.latency.LatencyTable`, or an array of shape
            ``(n_archs, n_devices)`` in milliseconds (NaN where not measured).
        devices: For a table, the devices to show (default all); for an array, its column
            names.
        method: ``"spearman"`` (:func:`~oneproxy_plugins.monotonicity.srcc_matrix`) or
            ``"kendall"`` (:func:`~oneproxy_plugins.monotonicity.kendall_matrix`).
        order: ``None`` keeps the given order; ``"cluster"`` puts devices that rank alike next
            to each other (average-linkage clustering of ``1 - SRCC``).

    Returns:
        ``SRCCHeatmapData(matrix, names)``.

    Raises:
        ValueError: Unknown ``method`` or ``order``, or bad ``table``/``devices``.
    """
    check_choice("order", order, _ORDERS)
    matrix_of = {"spearman": srcc_matrix, "kendall": kendall_matrix}
    check_choice("method", method, matrix_of)
    matrix, names = matrix_of[method](table, devices=devices)
    if order == "cluster":
        perm = _cluster_order(matrix)
        matrix = matrix[np.ix_(perm, perm)]
        names = [names[i] for i in perm]
    return SRCCHeatmapData(matrix, names)


def plot_srcc_heatmap(matrix: Any, names: Sequence[str], path: str | os.PathLike | None = None,
                      ax: matplotlib.axes.Axes | None = None, annotate: bool = True,
                      *, cmap: str = "viridis", vmin: float | None = None,
                      title: str | None = None) -> matplotlib.axes.Axes:
    """Draw an SRCC matrix as an annotated heatmap.

    Args:
        matrix: Array of shape ``(n, n)``, e.g. from :func:`srcc_heatmap_data`.
        names: The ``n`` device names, for both axes.
        path: Write the figure there (format from the suffix, e.g. ``.png``), or ``None``.
        ax: Axes to draw into; default a new figure sized to the matrix (no pyplot state).
        annotate: Write each cell's value with two decimals (``-`` where NaN).
        cmap: Matplotlib colormap name.
        vmin: Low end of the colour scale; default the matrix's minimum rounded down to 0.1
            (the high end is 1).
        title: Axes title; default ``"SRCC between devices"``.

    Returns:
        The matplotlib ``Axes``.

    Raises:
        ValueError: ``matrix`` is not square or ``names`` has the wrong length.
    """
    Figure = optional_import("matplotlib.figure").Figure

    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise ValueError(f"The 'matrix' argument must be square; got shape {values.shape}.")
    names = [str(n) for n in names]
    if len(names) != len(values):
        raise ValueError(f"The 'names' argument has {len(names)} names for a "
                         f"{len(values)}x{len(values)} matrix.")
    n = len(values)
    if ax is None:
        side = max(3.0, 0.45 * n + 1.5)
        labels = 0.08 * max(len(name) for name in names)  # inches of the longest tick label
        ax = Figure(figsize=(side + 1.0 + labels, side + labels),
                    layout="constrained").add_subplot()
    finite = values[np.isfinite(values)]
    if vmin is None:
        vmin = float(np.floor(finite.min() * 10) / 10) if finite.size else 0.0
        vmin = min(vmin, 0.9)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=1.0)
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="SRCC")
    ax.set_xticks(range(n), names, rotation=90)
    ax.set_yticks(range(n), names)
    ax.set_title("SRCC between devices" if title is None else title)
    if annotate:
        mid = (vmin + 1.0) / 2
        size = max(5.0, min(10.0, 120.0 / max(n, 1)))
        for i in range(n):
            for j in range(n):
                v = values[i, j]
                text = "-" if np.isnan(v) else f"{v:.2f}"
                color = "white" if np.isnan(v) or v < mid else "black"
                ax.text(j, i, text, ha="center", va="center", fontsize=size, color=color)
    if path is not None:
        ax.figure.savefig(os.fspath(path), dpi=150, bbox_inches="tight")
    return ax
