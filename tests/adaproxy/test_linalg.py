"""Tests of oneproxy_plugins.adaproxy._linalg: the closed-form solves."""

from __future__ import annotations

import numpy as np

from oneproxy_plugins.adaproxy._linalg import (gp_loo_residuals, gp_loo_select, loo_affine,
                                               loo_affine_residuals, loo_blend)

class TestGpLooSelect:
    def test_gp_loo_matches_brute_force(self):
        rng = np.random.default_rng(0)
        f, g = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
        kernels = [f @ f.T, f @ f.T + 4.0 * g @ g.T]
        y = f @ rng.normal(size=3) + 2.0 * g[:, 0] + 0.1 * rng.normal(size=8)
        alpha, noise, index = gp_loo_select(kernels, y, [0.01, 1.0])
        brute = {}
        for which, kernel in enumerate(kernels):
            for s in (0.01, 1.0):
                errs = []
                for i in range(8):
                    keep = np.arange(8) != i
                    a = np.linalg.solve(kernel[np.ix_(keep, keep)] + s * np.eye(7), y[keep])
                    errs.append((y[i] - kernel[i, keep] @ a) ** 2)
                brute[which, s] = np.mean(errs)
        assert (index, noise) == min(brute, key=brute.get)
        assert index == 1  # y moves along g, which only the second kernel allows
        assert np.allclose(alpha, np.linalg.solve(kernels[index] + noise * np.eye(8), y))



class TestLooAffine:
    def test_matches_refitting_without_each_point(self):
        rng = np.random.default_rng(1)
        z, y = rng.normal(size=(9, 3)), rng.normal(size=9)
        intercept, slope, loo = loo_affine(z, y)
        for j in range(3):
            assert np.allclose(np.polyfit(z[:, j], y, 1), [slope[j], intercept[j]])
            errs = []
            for i in range(9):
                keep = np.arange(9) != i
                s, c = np.polyfit(z[keep, j], y[keep], 1)
                errs.append((y[i] - (c + s * z[i, j])) ** 2)
            assert np.isclose(loo[j], np.mean(errs))


class TestGpLooResiduals:
    def test_match_refitting_the_offset_and_the_gp_without_each_point(self):
        """Brute force: a GP with the offset's flat prior as a huge constant kernel."""
        rng = np.random.default_rng(2)
        f = rng.normal(size=(9, 3))
        kernel, noise = f @ f.T, 0.1
        y = 5.0 + f @ rng.normal(size=3) + 0.1 * rng.normal(size=9)
        resid = gp_loo_residuals(kernel, y, noise)
        wide = kernel + 1e6
        for i in range(9):
            keep = np.arange(9) != i
            a = np.linalg.solve(wide[np.ix_(keep, keep)] + noise * np.eye(8), y[keep])
            assert np.isclose(resid[i], y[i] - wide[i, keep] @ a, atol=1e-4)
        # the offset is refitted: shifting y shifts nothing
        assert np.allclose(gp_loo_residuals(kernel, y + 100.0, noise), resid)


class TestLooAffineResiduals:
    def test_are_the_residuals_whose_mean_square_loo_affine_reports(self):
        rng = np.random.default_rng(3)
        z, y = rng.normal(size=(7, 2)), rng.normal(size=7)
        _, _, mse = loo_affine(z, y)
        _, _, resid = loo_affine_residuals(z, y)
        assert resid.shape == (7, 2) and np.allclose(np.mean(resid ** 2, axis=0), mse)


class TestLooBlend:
    def test_the_share_minimises_the_blended_error(self):
        rng = np.random.default_rng(4)
        a, b = rng.normal(size=10), rng.normal(size=10)
        share = loo_blend(a, b)
        grid = np.linspace(0, 1, 1001)
        errors = [np.sum(((1 - s) * a + s * b) ** 2) for s in grid]
        assert abs(share - grid[int(np.argmin(errors))]) < 2e-3

    def test_bounds(self):
        small = np.array([0.1, -0.1, 0.05])
        assert loo_blend(small, 10 * small) == 0.0  # the anchor is better: stay
        assert loo_blend(10 * small, small) == 1.0  # the adapted one is better: move
        assert loo_blend(small, small) == 1.0  # no evidence either way: adapt
