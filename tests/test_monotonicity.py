"""Tests of oneproxy_plugins.monotonicity: SRCC, Kendall, matrices, bootstrap, proxy selection.

Known answers (identical rankings 1, reversed -1), equality with scipy, hypothesis properties
(monotone transforms, symmetry, bounds), NaN and tie handling, and the real NAS-Bench-201 table
in ``../shared/data`` when it is present.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from oneproxy_plugins.latency import LatencyTable
from oneproxy_plugins.monotonicity import (DEFAULT_THRESHOLD, MonotonicityWarning, ProxyScore,
                                           ProxySelection, SRCCInterval, bootstrap_srcc,
                                           kendall_matrix, kendall_tau, select_proxy, srcc,
                                           srcc_columns, srcc_matrix)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
"""``<checkout>/../shared/data``."""

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
vectors = st.integers(min_value=3, max_value=40).flatmap(
    lambda n: st.tuples(hnp.arrays(np.float64, n, elements=finite),
                        hnp.arrays(np.float64, n, elements=finite)))


def _increasing_map(x: np.ndarray, seed: int) -> np.ndarray:
    """A random strictly increasing function of ``x`` (exact in floating point: each distinct
    value maps to a cumulative sum of positive steps)."""
    values, inverse = np.unique(x, return_inverse=True)
    steps = np.random.default_rng(seed).uniform(0.5, 100.0, size=values.size)
    return np.cumsum(steps)[inverse.ravel()]


def _scipy_srcc(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    keep = ~(np.isnan(a) | np.isnan(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.spearmanr(a[keep], b[keep]).statistic)


@pytest.fixture(scope="module")
def nb201_real() -> LatencyTable:
    if not (SHARED_DATA / "nasbench201" / "latency.csv").is_file():
        pytest.skip(f"needs the public data in {SHARED_DATA} (the shared/ folder beside the "
                    "checkout); it is not there")
    from oneproxy_plugins.latency import load_data_dir

    return load_data_dir(SHARED_DATA, "nasbench201")


class TestSrccColumns:
    @given(hnp.arrays(np.float64, st.tuples(st.integers(3, 30), st.integers(1, 5)),
                      elements=st.integers(0, 6).map(float)))
    def test_each_column_is_scipys_spearman(self, a):
        b = np.arange(len(a), dtype=float) % 4  # ties on both sides
        got = srcc_columns(a, b)
        for j in range(a.shape[1]):
            if np.ptp(a[:, j]) == 0:
                assert np.isnan(got[j])  # constant column: undefined, left to the caller
            else:
                assert got[j] == pytest.approx(stats.spearmanr(a[:, j], b).statistic,
                                               abs=1e-12)

    @given(hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 12)),
                      elements=st.integers(0, 4).map(float)), st.sampled_from([0, 1, -1]))
    def test_ranks_are_scipys_for_few_and_many_vectors(self, x, axis):
        """Few vectors are ranked one by one, more by scipy: the same ranks either way."""
        from oneproxy_plugins.monotonicity import _centred_ranks

        want = stats.rankdata(x, axis=axis) - 0.5 * (x.shape[axis] + 1)
        assert np.array_equal(_centred_ranks(x, axis=axis), want)

    def test_equals_srcc_exactly(self):
        rng = np.random.default_rng(0)
        a, b = rng.normal(size=(50, 3)), rng.normal(size=50)
        assert srcc_columns(a, b).tolist() == [srcc(a[:, j], b) for j in range(3)]

    def test_errors(self):
        with pytest.raises(ValueError, match=r"shape \(n, m\) and 'b' of shape \(n,\)"):
            srcc_columns(np.ones((4, 2)), np.ones(3))
        with pytest.raises(ValueError, match="does not take NaN"):
            srcc_columns([[1.0], [np.nan], [2.0]], [1.0, 2.0, 3.0])


class TestSrcc:
    def test_identical_ranking_is_one(self):
        assert srcc([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]) == 1.0

    def test_reversed_ranking_is_minus_one(self):
        assert srcc([1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]) == -1.0

    def test_known_value_with_ties(self):
        # scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]) = 0.9486832980505138
        assert srcc([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(0.9486832980505138, abs=1e-15)

    def test_all_pairs_tied_but_one(self):
        assert srcc([1, 1, 1, 2], [5, 6, 7, 8]) == pytest.approx(_scipy_srcc([1, 1, 1, 2],
                                                                             [5, 6, 7, 8]))

    def test_nan_rows_are_dropped_pairwise(self):
        a = [1.0, np.nan, 3.0, 4.0, 5.0]
        b = [2.0, 1.0, np.nan, 8.0, 10.0]
        assert srcc(a, b) == srcc([1.0, 4.0, 5.0], [2.0, 8.0, 10.0]) == 1.0

    def test_fewer_than_three_pairs_warns_and_is_nan(self):
        with pytest.warns(MonotonicityWarning, match="only 2 complete pair"):
            assert math.isnan(srcc([1.0, 2.0, np.nan], [1.0, 2.0, 3.0]))

    def test_constant_input_warns_and_is_nan(self):
        with pytest.warns(MonotonicityWarning, match="'a' is constant"):
            assert math.isnan(srcc([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]))
        with pytest.warns(MonotonicityWarning, match="'b' is constant"):
            assert math.isnan(srcc([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]))

    def test_infinite_values_are_ranked_not_dropped(self):
        assert srcc([1.0, 2.0, np.inf], [1.0, 2.0, 3.0]) == 1.0

    def test_length_mismatch_raises(self):
        with pytest.raises(ValueError, match="same length; got 3 and 2"):
            srcc([1, 2, 3], [1, 2])

    def test_two_dimensional_input_raises(self):
        with pytest.raises(ValueError, match=r"'a' argument must be 1-D; got shape \(2, 2\)"):
            srcc([[1, 2], [3, 4]], [1, 2, 3, 4])

    def test_non_numeric_input_raises(self):
        with pytest.raises(ValueError, match="'b' argument must be a 1-D sequence of numbers"):
            srcc([1, 2, 3], ["a", "b", "c"])

    def test_equals_scipy_on_random_tied_and_missing_data(self):
        rng = np.random.default_rng(0)
        for _ in range(300):
            n = int(rng.integers(3, 60))
            a = rng.integers(0, 6, n).astype(float)  # many ties
            b = rng.normal(size=n)
            a[rng.random(n) < 0.1] = np.nan
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MonotonicityWarning)
                ours = srcc(a, b)
            ref = _scipy_srcc(a, b) if (~np.isnan(a)).sum() >= 3 else math.nan
            if math.isnan(ref):
                assert math.isnan(ours)
            else:
                assert abs(ours - ref) <= 1e-12

    @settings(max_examples=150, deadline=None)
    @given(vectors)
    def test_equals_scipy_property(self, pair):
        a, b = pair
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MonotonicityWarning)
            ours = srcc(a, b)
        ref = _scipy_srcc(a, b)
        assert (math.isnan(ours) and math.isnan(ref)) or abs(ours - ref) <= 1e-12

    @pytest.mark.parametrize("statistic", [srcc, kendall_tau])
    @settings(max_examples=80, deadline=None)
    @given(vectors, st.integers(min_value=0, max_value=2**31))
    def test_unchanged_under_strictly_increasing_transforms(self, statistic, pair, seed):
        # (kendall_tau shares the invariance; it is checked here too.)
        a, b = pair
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MonotonicityWarning)
            base = statistic(a, b)
            moved = statistic(_increasing_map(a, seed), _increasing_map(b, seed + 1))
        assert (math.isnan(base) and math.isnan(moved)) or moved == pytest.approx(base,
                                                                                  abs=1e-12)

    def test_unchanged_under_log_and_power_on_latencies(self):
        rng = np.random.default_rng(3)
        a, b = rng.lognormal(size=200), rng.lognormal(size=200)
        assert srcc(np.log(a), b ** 3) == pytest.approx(srcc(a, b), abs=1e-12)

    @settings(max_examples=100, deadline=None)
    @given(vectors)
    def test_symmetric_bounded_and_negated_by_reversal(self, pair):
        a, b = pair
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MonotonicityWarning)
            r = srcc(a, b)
            if math.isnan(r):
                return
            assert srcc(b, a) == pytest.approx(r, abs=1e-12)
            assert srcc(a, -b) == pytest.approx(-r, abs=1e-12)
        assert -1.0 <= r <= 1.0

    @settings(max_examples=50, deadline=None)
    @given(st.integers(min_value=3, max_value=30), st.integers(min_value=0, max_value=2**31))
    def test_any_permutation_of_itself_is_one(self, n, seed):
        a = np.random.default_rng(seed).permutation(n).astype(float)
        assert srcc(a, a * 2 + 1) == 1.0
        assert srcc(a, -a) == -1.0


class TestKendallTau:
    def test_known_values(self):
        assert kendall_tau([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
        assert kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
        assert kendall_tau([1, 2, 3], [1, 3, 2]) == pytest.approx(1 / 3)

    def test_matches_scipy_tau_b_with_ties_and_nan(self):
        a = np.array([1, 2, 2, 3, np.nan, 5, 5, 6], dtype=float)
        b = np.array([2, 1, 3, 3, 9, 4, 6, 5], dtype=float)
        keep = ~np.isnan(a)
        assert kendall_tau(a, b) == pytest.approx(
            stats.kendalltau(a[keep], b[keep], variant="b").statistic, abs=1e-12)

    def test_too_few_pairs_warns(self):
        with pytest.warns(MonotonicityWarning, match="kendall_tau: only 1 complete pair"):
            assert math.isnan(kendall_tau([1.0, np.nan], [1.0, 2.0]))

    def test_constant_warns(self):
        with pytest.warns(MonotonicityWarning, match="kendall_tau: 'b' is constant"):
            assert math.isnan(kendall_tau([1, 2, 3], [4, 4, 4]))



class TestSrccMatrix:
    def test_array_with_default_names(self):
        matrix, names = srcc_matrix(np.array([[1.0, 3.0, 1.0], [2.0, 2.0, 3.0], [3.0, 1.0, 2.0]]))
        assert names == ["0", "1", "2"]
        np.testing.assert_allclose(matrix, [[1, -1, 0.5], [-1, 1, -0.5], [0.5, -0.5, 1]],
                                   atol=1e-15)

    def test_table_and_device_subset(self):
        table = LatencyTable(["a", "b", "c", "d"], ["x", "y", "z"],
                             [[1, 4, 1], [2, 3, 2], [3, 2, 4], [4, 1, 3]])
        matrix, names = srcc_matrix(table, devices=["z", "x"])
        assert names == ["z", "x"]
        assert matrix[0, 1] == pytest.approx(srcc([1, 2, 4, 3], [1, 2, 3, 4]))

    def test_pairwise_complete_rows_equal_pairwise_srcc(self):
        rng = np.random.default_rng(1)
        values = rng.normal(size=(60, 6)) + np.arange(6)
        values[rng.random((60, 6)) < 0.2] = np.nan
        values[:, 4] = np.round(values[:, 4])  # ties
        matrix, _ = srcc_matrix(values)
        for i in range(6):
            for j in range(6):
                expected = 1.0 if i == j else _scipy_srcc(values[:, i], values[:, j])
                assert abs(matrix[i, j] - expected) <= 1e-12

    def test_symmetric_with_unit_diagonal(self):
        values = np.random.default_rng(2).lognormal(size=(50, 5))
        matrix, _ = srcc_matrix(values)
        assert (matrix == matrix.T).all()
        assert (np.diag(matrix) == 1.0).all()

    def test_kendall_matrix(self):
        values = np.random.default_rng(3).normal(size=(30, 3))
        values[5, 1] = np.nan
        matrix, _ = kendall_matrix(values)
        keep = ~np.isnan(values[:, 1])
        assert matrix[0, 1] == pytest.approx(
            stats.kendalltau(values[keep, 0], values[keep, 1]).statistic, abs=1e-12)
        assert matrix[1, 0] == matrix[0, 1] and matrix[2, 2] == 1.0
        # the old spelling, Kendall's tau under the SRCC name, still works and says so
        with pytest.warns(FutureWarning, match=r"srcc_matrix\(method='kendall'\) is deprecated"):
            old, _ = srcc_matrix(values, method="kendall")
        np.testing.assert_array_equal(old, matrix)

    def test_constant_device_and_disjoint_devices_warn(self):
        values = np.array([[1.0, 5.0, np.nan], [2.0, 5.0, np.nan], [3.0, 5.0, np.nan],
                           [4.0, 5.0, 1.0], [np.nan, np.nan, 2.0], [np.nan, np.nan, 3.0]])
        with pytest.warns(MonotonicityWarning, match=r"constant or with fewer than 3.*'1'"):
            matrix, _ = srcc_matrix(values)
        assert np.isnan(matrix[1]).all() and np.isnan(matrix[:, 1]).all()
        assert np.isnan(matrix[0, 2])  # one common row
        assert matrix[0, 0] == matrix[2, 2] == 1.0

    def test_unknown_method_raises(self):
        with pytest.raises(ValueError, match=r"'method' argument must be one of \['spearman', "
                                             r"'kendall'\]; got 'pearson'"):
            srcc_matrix(np.ones((3, 2)), method="pearson")

    def test_one_dimensional_array_raises(self):
        with pytest.raises(ValueError, match=r"must be 2-D \(n_archs, n_devices\); got shape"):
            srcc_matrix(np.ones(3))

    def test_wrong_number_of_names_raises(self):
        with pytest.raises(ValueError, match="'devices' argument names 3 columns but the array "
                                             "has 2"):
            srcc_matrix(np.ones((3, 2)), devices=["a", "b", "c"])

    def test_unknown_device_of_table_raises(self):
        table = LatencyTable(["a", "b", "c"], ["x"], [[1.0], [2.0], [3.0]])
        with pytest.raises(LookupError, match="Unknown device 'nope'; known: x"):
            srcc_matrix(table, devices=["nope"])


class TestBootstrapSrcc:
    def test_perfect_ranking_has_degenerate_interval(self):
        result = bootstrap_srcc(np.arange(20.0), np.arange(20.0) ** 2, n_boot=200,
                                random_state=0)
        assert isinstance(result, SRCCInterval)
        assert tuple(result) == (1.0, 1.0, 1.0)

    def test_interval_contains_estimate_and_is_reproducible(self):
        rng = np.random.default_rng(4)
        a = rng.normal(size=40)
        b = a + rng.normal(scale=0.7, size=40)
        first = bootstrap_srcc(a, b, n_boot=500, random_state=7)
        assert first == bootstrap_srcc(a, b, n_boot=500, random_state=7)
        assert first.low <= first.estimate <= first.high
        assert first.estimate == srcc(a, b)
        wider = bootstrap_srcc(a, b, n_boot=500, confidence=0.99, random_state=7)
        assert wider.high - wider.low >= first.high - first.low

    def test_interval_matches_a_plain_loop(self):
        rng = np.random.default_rng(5)
        a, b = rng.normal(size=15), rng.normal(size=15)
        est, low, high = bootstrap_srcc(a, b, n_boot=300, confidence=0.9,
                                        random_state=np.random.default_rng(11))
        gen = np.random.default_rng(11)
        idx = gen.integers(0, 15, size=(300, 15))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loop = np.array([_scipy_srcc(a[i], b[i]) for i in idx])
        loop = loop[~np.isnan(loop)]
        assert (low, high) == pytest.approx(tuple(np.quantile(loop, [0.05, 0.95])), abs=1e-12)
        assert est == pytest.approx(_scipy_srcc(a, b), abs=1e-12)

    def test_large_inputs_are_chunked(self):
        a = np.random.default_rng(6).normal(size=5000)
        est, low, high = bootstrap_srcc(a, a + 1e-3 * np.arange(5000), n_boot=450,
                                        random_state=0)
        assert low <= est <= high

    def test_too_few_pairs_gives_nan_triple_with_warning(self):
        with pytest.warns(MonotonicityWarning, match="only 2 complete pair"):
            result = bootstrap_srcc([1.0, 2.0], [2.0, 3.0])
        assert all(math.isnan(v) for v in result)

    @pytest.mark.parametrize("kwargs, message", [
        ({"n_boot": 0}, r"'n_boot' argument must be an int >= 1; got 0"),
        ({"n_boot": 2.5}, r"'n_boot' argument must be an int >= 1; got 2.5"),
        ({"confidence": 1.0}, r"'confidence' argument must be a number in \(0, 1\); got 1.0"),
        ({"confidence": True}, r"'confidence' argument must be a number in \(0, 1\); got True"),
        ({"random_state": "seed"}, r"'random_state' argument must be None, an int seed or a "
                                   r"numpy Generator; got 'seed'"),
    ])
    def test_bad_arguments_raise(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            bootstrap_srcc([1, 2, 3], [1, 2, 3], **kwargs)


class TestSelectProxy:
    target = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0, "e": 5.0, "f": 6.0}

    def test_ranks_candidates_and_applies_the_rule(self):
        candidates = {"reversed": [6, 5, 4, 3, 2, 1], "same": [1, 2, 3, 4, 5, 6],
                      "noisy": [1, 3, 2, 4, 6, 5]}
        result = select_proxy(candidates, self.target, n_boot=200, random_state=0)
        assert [s.name for s in result.ranking] == ["same", "noisy", "reversed"]
        assert result.best == "same" and result.srcc == 1.0
        assert not result.needs_adaptation
        assert result.n_samples == 6 and result.threshold == DEFAULT_THRESHOLD
        name, value, low, high = result.ranking[1]
        assert (name, value) == ("noisy", pytest.approx(srcc([1, 3, 2, 4, 6, 5], range(6))))
        assert low <= value <= high
        assert result["reversed"].srcc == -1.0

    def test_low_srcc_needs_adaptation(self):
        proxy = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
        target = dict(zip("abcdefghijklmnopqrst", [20.0, 2, 18, 4, 16, 6, 14, 8, 12, 10, 11, 9,
                                                  13, 7, 15, 5, 17, 3, 19, 1]))
        result = select_proxy({"bad": proxy}, target, n_boot=100, random_state=0)
        assert result.srcc < 0.2 and result.needs_adaptation

    def test_threshold_crossing_warns_with_numbers(self):
        y = np.arange(1.0, 13.0)
        proxy = [3, 1, 2, 5, 4, 8, 6, 7, 10, 12, 9, 11]  # SRCC 0.916
        with pytest.warns(MonotonicityWarning, match=r"Proxy 'p' has SRCC 0\.916 with 12 target "
                                                     r"samples; its 95% interval \[0\.\d+, "
                                                     r"0\.\d+\] crosses the threshold 0.9"):
            result = select_proxy({"p": proxy}, (list(range(12)), y), n_boot=300,
                                  random_state=0)
        low, high = result.interval
        assert low < 0.9 <= high and not result.needs_adaptation

    def test_pair_form_of_target_samples(self):
        result = select_proxy({"p": [1, 2, 3]}, (["x", "y", "z"], [5.0, 6.0, 7.0]),
                              n_boot=50, random_state=0)
        assert result.best == "p"

    def test_latency_table_candidates_use_canonical_ids(self):
        from oneproxy_plugins.spaces import get_space

        space = get_space("nasbench201")
        archs = [space.to_id(a) for a in space.sample_many(5, rng=0)]
        table = LatencyTable(archs, ["cpu", "gpu"],
                             [[1, 5], [2, 4], [3, 3], [4, 2], [5, 1]], space="nasbench201")
        target = {space.from_id(a): float(i + 1) for i, a in enumerate(archs)}  # arch values
        result = select_proxy(table, target, n_boot=50, random_state=0)
        assert result.best == "cpu" and result["gpu"].srcc == -1.0

    def test_predictor_candidates_are_asked_to_predict(self):
        class Fixed:
            def predict(self, archs):
                return [float(len(a)) for a in archs]

        target = {"x": 1.0, "xx": 2.0, "xxx": 3.0, "xxxx": 4.0}
        result = select_proxy({"len": Fixed()}, target, n_boot=50, random_state=0)
        assert result.srcc == 1.0

    def test_nan_candidate_ranks_last(self):
        with pytest.warns(MonotonicityWarning, match="constant"):
            result = select_proxy({"flat": [1, 1, 1], "ok": [1, 2, 3]}, ([0, 1, 2], [1, 2, 3]),
                                  n_boot=20, random_state=0)
        assert [s.name for s in result.ranking] == ["ok", "flat"]
        assert math.isnan(result.ranking[1].srcc)

    def test_result_object(self):
        result = ProxySelection([ProxyScore("a", 0.5, 0.2, 0.8)], threshold=0.4)
        assert not result.needs_adaptation
        assert ProxySelection([ProxyScore("a", math.nan, math.nan, math.nan)]).needs_adaptation

    def test_too_few_samples_raises_with_the_number(self):
        with pytest.raises(ValueError, match="needs at least 3 target samples to rank proxies; "
                                             "got 2"):
            select_proxy({"p": [1, 2]}, {"a": 1.0, "b": 2.0})

    @pytest.mark.parametrize("threshold", [-1.0, 1.5, "0.9", True])
    def test_bad_threshold_raises(self, threshold):
        with pytest.raises(ValueError, match=r"'threshold' argument must be a number in "
                                             r"\(-1, 1\]; got"):
            select_proxy({"p": [1, 2, 3]}, self.target, threshold=threshold)

    def test_candidate_of_wrong_length_raises(self):
        with pytest.raises(ValueError, match="Candidate 'p' has 3 latencies for 6 target samples"):
            select_proxy({"p": [1, 2, 3]}, self.target)

    def test_empty_candidates_raise(self):
        with pytest.raises(ValueError, match="'candidates' argument is empty"):
            select_proxy({}, self.target)

    def test_bad_target_latency_raises(self):
        with pytest.raises(ValueError, match=r"target_samples: architecture 'b': -1.0 ms; "
                                             r"latencies must be positive and finite"):
            select_proxy({"p": [1, 2, 3]}, {"a": 1.0, "b": -1.0, "c": 2.0})

    def test_unsupported_types_raise(self):
        with pytest.raises(TypeError, match="'target_samples' argument must be a mapping"):
            select_proxy({"p": [1, 2, 3]}, [1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="'candidates' argument must be a mapping"):
            select_proxy([[1, 2, 3]], self.target)

    def test_target_arch_missing_from_table_raises(self):
        table = LatencyTable(["a", "b", "c"], ["cpu"], [[1.0], [2.0], [3.0]])
        with pytest.raises(KeyError, match="'zz' is not in the table"):
            select_proxy(table, {"a": 1.0, "b": 2.0, "zz": 3.0})


@pytest.mark.shared_data
class TestRealData:
    def test_nasbench201_matrix_is_symmetric_with_unit_diagonal(self, nb201_real):
        matrix, names = srcc_matrix(nb201_real)
        assert names == nb201_real.devices and matrix.shape == (33, 33)
        assert not np.isnan(matrix).any()
        assert (matrix == matrix.T).all()
        assert (np.diag(matrix) == 1.0).all()
        # Published pairs: GPUs of one family rank alike; a phone and a GPU do not.
        i, j = names.index("titan_rtx_32"), names.index("2080ti_32")
        assert matrix[i, j] > 0.95
        i, j = names.index("pixel3"), names.index("titan_rtx_1")
        assert matrix[i, j] < 0.6

    def test_matrix_entries_equal_scipy_on_pairwise_complete_rows(self, nb201_real):
        matrix, names = srcc_matrix(nb201_real, devices=["pixel3", "hwnasbench_edgetpu",
                                                         "eagle_i7_7820x"])
        for i, a in enumerate(names):
            for j, b in enumerate(names[i + 1:], start=i + 1):
                ref = _scipy_srcc(nb201_real.column(a), nb201_real.column(b))
                assert abs(matrix[i, j] - ref) <= 1e-12

    @pytest.mark.filterwarnings("ignore::oneproxy_plugins.monotonicity.MonotonicityWarning")
    def test_select_proxy_on_ten_target_samples(self, nb201_real):
        rng = np.random.default_rng(0)
        rows = rng.choice(len(nb201_real), size=10, replace=False)
        archs = [nb201_real.archs[r] for r in rows]
        target = nb201_real.column("titanx_32")[rows]
        pool = nb201_real.select(devices=["titan_rtx_32", "pixel3", "samsung_a50"])
        result = select_proxy(pool, (archs, target), n_boot=300, random_state=0)
        assert result.best == "titan_rtx_32"  # the same GPU generation at batch 32
