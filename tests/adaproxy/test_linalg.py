"""Tests of oneproxy_plugins.adaproxy._linalg: the closed-form solves."""

from __future__ import annotations

import numpy as np

from oneproxy_plugins.adaproxy._linalg import gp_loo_select, loo_affine

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
