"""Tests of oneproxy_plugins.fronts: the one Pareto, ranking and hypervolume implementation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from oneproxy_plugins.fronts import (crowding_distance, direction_signs, hypervolume_2d,
                                     nondominated_rank, pareto_mask)


def _brute_force_mask(loss: np.ndarray) -> np.ndarray:
    n = len(loss)
    return np.array([not any((loss[j] <= loss[i]).all() and (loss[j] < loss[i]).any()
                             for j in range(n)) for i in range(n)], dtype=bool)


def _brute_force_hv(loss: np.ndarray, ref: tuple[float, float]) -> float:
    """Union of the points' boxes measured cell by cell on the grid of their coordinates."""
    pts = loss[(loss[:, 0] < ref[0]) & (loss[:, 1] < ref[1])]
    xs = np.unique(np.r_[pts[:, 0], ref[0]])
    ys = np.unique(np.r_[pts[:, 1], ref[1]])
    area = 0.0
    for (x0, x1), (y0, y1) in itertools.product(zip(xs[:-1], xs[1:]), zip(ys[:-1], ys[1:])):
        if ((pts[:, 0] <= x0) & (pts[:, 1] <= y0)).any():
            area += (x1 - x0) * (y1 - y0)
    return area


# integers make ties and duplicates frequent, where front bugs hide
small_values = st.integers(min_value=0, max_value=6).map(float)


class TestParetoMask:
    def test_known_front(self):
        values = np.array([[1.0, 5.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0], [2.0, 2.0]])
        assert pareto_mask(values).tolist() == [True, True, False, True, True]

    def test_directions(self):
        class Direction:  # what Optuna's StudyDirection looks like to this module
            def __init__(self, name):
                self.name = name

        values = np.array([[90.0, 5.0], [80.0, 2.0], [70.0, 3.0]])  # accuracy, latency
        assert pareto_mask(values, ["maximize", "minimize"]).tolist() == [True, True, False]
        assert pareto_mask(values, [Direction("MAXIMIZE"), Direction("MINIMIZE")]).tolist() == [
            True, True, False]

    def test_equal_x_only_lowest_y(self):
        assert pareto_mask(np.array([[1.0, 2.0], [1.0, 3.0]])).tolist() == [True, False]

    def test_nan_rows_never_on_front(self):
        values = np.array([[np.nan, 0.0], [1.0, 1.0]])
        assert pareto_mask(values).tolist() == [False, True]
        assert not pareto_mask(np.full((3, 2), np.nan)).any()

    def test_one_objective(self):
        assert pareto_mask(np.array([[3.0], [1.0], [1.0]])).tolist() == [False, True, True]

    @given(arrays(np.float64, st.tuples(st.integers(1, 25), st.just(2)), elements=small_values))
    @settings(max_examples=150, deadline=None)
    def test_2d_matches_brute_force(self, values):
        np.testing.assert_array_equal(pareto_mask(values), _brute_force_mask(values))

    @given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(3, 4)),
                  elements=small_values))
    @settings(max_examples=80, deadline=None)
    def test_nd_matches_brute_force(self, values):
        np.testing.assert_array_equal(pareto_mask(values), _brute_force_mask(values))

    @given(arrays(np.float64, st.tuples(st.integers(1, 20), st.just(2)), elements=small_values))
    @settings(max_examples=60, deadline=None)
    def test_invariant_under_monotone_transforms(self, values):
        transformed = np.c_[np.exp(values[:, 0]), 3 * values[:, 1] + 1]
        np.testing.assert_array_equal(pareto_mask(values), pareto_mask(transformed))

    def test_errors(self):
        with pytest.raises(ValueError, match="must be 2-D"):
            pareto_mask(np.ones(3))
        with pytest.raises(ValueError, match="has 1 entries for 2 objectives"):
            pareto_mask(np.ones((3, 2)), ["minimize"])
        with pytest.raises(ValueError, match="'minimize' or 'maximize'; got 'up'"):
            pareto_mask(np.ones((3, 2)), ["up", "minimize"])
        with pytest.raises(ValueError, match="has 1 entries for 2 objectives"):
            direction_signs("minimize", 2)


def _peeled_ranks(loss: np.ndarray) -> np.ndarray:
    """Peel brute-force fronts one by one; NaN rows after the last front."""
    rank = np.full(len(loss), -1)
    finite = ~np.isnan(loss).any(axis=1)
    left, layer = np.flatnonzero(finite), 0
    while left.size:
        on = _brute_force_mask(loss[left])
        rank[left[on]] = layer
        left, layer = left[~on], layer + 1
    rank[~finite] = layer
    return rank


class TestNondominatedRank:
    def test_known_ranks(self):
        values = [[1, 1], [2, 2], [3, 3], [2, 3], [1, 3]]  # (metric, latency)
        assert nondominated_rank(values, ["maximize", "minimize"]).tolist() == [0, 0, 0, 1, 2]

    def test_front_is_rank_zero(self):
        values = np.random.default_rng(0).random((200, 2))
        np.testing.assert_array_equal(nondominated_rank(values) == 0, pareto_mask(values))

    @given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 4)),
                  elements=small_values))
    @settings(max_examples=200, deadline=None)
    def test_equals_peeling_fronts(self, values):
        """Two objectives take the O(n log n) sweep, the others repeated masks: both agree
        with peeling brute-force fronts, ties and duplicates included."""
        np.testing.assert_array_equal(nondominated_rank(values), _peeled_ranks(values))

    def test_nan_rows_rank_after_the_last_front(self):
        values = np.array([[1.0, 1.0], [np.nan, 0.0], [2.0, 2.0], [0.0, 3.0]])
        assert nondominated_rank(values).tolist() == [0, 2, 1, 0]
        assert nondominated_rank(np.full((2, 3), np.nan)).tolist() == [0, 0]

    def test_errors(self):
        with pytest.raises(ValueError, match="must be 2-D"):
            nondominated_rank([1.0, 2.0])


class TestHypervolume2D:
    def test_known_values(self):
        assert hypervolume_2d(np.array([[0.0, 0.5], [0.5, 0.0]]), [1.0, 1.0]) == 0.75
        assert hypervolume_2d(np.array([[0.0, 0.0]]), [2.0, 3.0]) == 6.0
        assert hypervolume_2d(np.empty((0, 2)), [1.0, 1.0]) == 0.0

    def test_points_outside_the_reference_add_nothing(self):
        assert hypervolume_2d(np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]]), [1.0, 1.0]) == 0.0

    def test_dominated_points_add_nothing(self):
        front = np.array([[0.1, 0.6], [0.4, 0.2]])
        with_dominated = np.r_[front, [[0.5, 0.7], [0.4, 0.2]]]
        expected = hypervolume_2d(front, [1, 1])
        assert hypervolume_2d(with_dominated, [1, 1]) == pytest.approx(expected)

    @given(arrays(np.float64, st.tuples(st.integers(0, 15), st.just(2)), elements=small_values))
    @settings(max_examples=150, deadline=None)
    def test_matches_brute_force(self, loss):
        ref = (5.0, 6.0)
        assert hypervolume_2d(loss, ref) == pytest.approx(_brute_force_hv(loss, ref))

    def test_error(self):
        with pytest.raises(ValueError, match=r"shape \(n_points, 2\); got \(3, 3\)"):
            hypervolume_2d(np.ones((3, 3)), [1, 1])


def test_crowding_distance():
    values = np.array([[0.0, 4.0], [1.0, 3.0], [3.0, 1.0], [4.0, 0.0]])
    distance = crowding_distance(values)
    assert np.isinf(distance[[0, 3]]).all()
    # the gaps between each middle point's neighbours, over each objective's range of 4
    np.testing.assert_allclose(distance[1:3], [(3 - 0) / 4 * 2, (4 - 1) / 4 * 2])
    assert np.isinf(crowding_distance(values[:2])).all()
