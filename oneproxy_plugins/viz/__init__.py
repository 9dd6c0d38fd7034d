"""Plots of the one-proxy workflow; each is a data function (tested) and a drawing function.

matplotlib is imported by the drawing functions only, never by ``import oneproxy_plugins``.

- :func:`srcc_heatmap_data` / :func:`plot_srcc_heatmap`: the SRCC between every pair of
  devices, annotated cell by cell like the OneProxy paper's figure.
"""

from oneproxy_plugins.viz.monotonicity import SRCCHeatmapData, plot_srcc_heatmap, srcc_heatmap_data

__all__ = ["SRCCHeatmapData", "srcc_heatmap_data", "plot_srcc_heatmap"]
