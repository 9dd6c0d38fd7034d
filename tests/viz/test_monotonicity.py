"""Tests of oneproxy_plugins.viz.monotonicity: the heatmap's data, and a smoke test of the plot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.monotonicity import srcc_matrix
from oneproxy_plugins.viz import SRCCHeatmapData, plot_srcc_heatmap, srcc_heatmap_data

pytest.importorskip("matplotlib")


@pytest.fixture
def table() -> LatencyTable:
    # Two device families: a and b rank alike, c and d rank alike, the families disagree.
    base = np.arange(1.0, 9.0)
    noise = np.array([0.0, 0.3, -0.2, 0.1, 0.4, -0.3, 0.2, 0.0])
    values = np.stack([base, base * 2 + noise, base[::-1], base[::-1] + noise], axis=1)
    return LatencyTable([f"arch{i}" for i in range(8)], ["a", "c", "b", "d"],
                        values[:, [0, 2, 1, 3]])


class TestSrccHeatmapData:
    def test_equals_srcc_matrix(self, table):
        data = srcc_heatmap_data(table)
        assert isinstance(data, SRCCHeatmapData)
        matrix, names = srcc_matrix(table)
        np.testing.assert_array_equal(data.matrix, matrix)
        assert data.names == names == ["a", "c", "b", "d"]

    def test_device_subset_and_kendall(self, table):
        data = srcc_heatmap_data(table, devices=["d", "a"], method="kendall")
        assert data.names == ["d", "a"]
        assert data.matrix[0, 1] == data.matrix[1, 0] < 0

    def test_cluster_order_puts_alike_devices_together(self, table):
        data = srcc_heatmap_data(table, order="cluster")
        pairs = {frozenset(data.names[:2]), frozenset(data.names[2:])}
        assert pairs == {frozenset("ab"), frozenset("cd")}
        # The reordered matrix is the same matrix, permuted.
        full, names = srcc_matrix(table)
        perm = [names.index(n) for n in data.names]
        np.testing.assert_array_equal(data.matrix, full[np.ix_(perm, perm)])

    def test_array_input_with_names(self):
        data = srcc_heatmap_data(np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 0.5]]),
                                 devices=["x", "y"])
        assert data.names == ["x", "y"] and data.matrix[0, 1] == -1.0

    def test_unknown_order_raises(self, table):
        with pytest.raises(ValueError, match=r"'order' argument must be one of \[None, "
                                             r"'cluster'\]; got 'alpha'"):
            srcc_heatmap_data(table, order="alpha")


class TestPlotSrccHeatmap:
    def test_writes_an_annotated_png(self, table, tmp_path):
        path = tmp_path / "srcc.png"
        ax = plot_srcc_heatmap(*srcc_heatmap_data(table), path=path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        texts = [t.get_text() for t in ax.texts]
        assert len(texts) == 16 and texts.count("1.00") >= 4
        assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "c", "b", "d"]

    def test_nan_cells_are_marked_and_annotation_can_be_off(self):
        matrix = np.array([[1.0, np.nan], [np.nan, 1.0]])
        ax = plot_srcc_heatmap(matrix, ["p", "q"])
        assert sorted(t.get_text() for t in ax.texts) == ["-", "-", "1.00", "1.00"]
        assert len(plot_srcc_heatmap(matrix, ["p", "q"], annotate=False).texts) == 0

    def test_draws_into_given_axes(self):
        from matplotlib.figure import Figure

        ax = Figure().add_subplot()
        assert plot_srcc_heatmap(np.eye(2), ["p", "q"], ax=ax, title="t") is ax
        assert ax.get_title() == "t"

    def test_non_square_matrix_raises(self):
        with pytest.raises(ValueError, match=r"'matrix' argument must be square; got shape "
                                             r"\(2, 3\)"):
            plot_srcc_heatmap(np.ones((2, 3)), ["a", "b"])

    def test_wrong_number_of_names_raises(self):
        with pytest.raises(ValueError, match="'names' argument has 1 names for a 2x2 matrix"):
            plot_srcc_heatmap(np.eye(2), ["a"])

    def test_matplotlib_is_not_imported_with_the_package(self):
        code = ("import sys, oneproxy_plugins.viz, oneproxy_plugins.monotonicity, "
                "oneproxy_plugins.predictors; print('matplotlib' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        assert out.stdout.strip() == "False"
