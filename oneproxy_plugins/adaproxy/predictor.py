"""`AdaProxyPredictor`, the default adapter, and `BestProxyPredictor`, the no-adaptation
baseline.

:class:`AdaProxyPredictor` goes beyond the paper's form (:mod:`oneproxy_plugins.adaproxy.paper`):

1. *A pool of proxies as a basis.* Every device the user has measured in full is a candidate
   basis function. In log-latency space, each proxy ``p`` gives an affine model
   ``log y = c_p + s_p * z_p(x)`` (``z_p`` the standardised log latency of the proxy); the
   models are averaged with weights from their rank agreement (SRCC) with the ``k`` target
   samples and their closed-form leave-one-out error (a tempered likelihood). With one proxy
   this is the proxy, rescaled. Both terms matter: on samples spread over the whole latency
   range many proxies fit well in magnitude, while within a narrow band (HELP's protocol) only
   the ranks tell the device that orders architectures like the target. Where the space gives
   an analytic compute cost (FBNet's MAC count), its log is one more, analytic, proxy. Each
   proxy's own fit on the features is a denoised column beside it; the raw column's weight
   carries a prior, the share of its deviation from the fit that the other proxies share
   (:meth:`ProxyPool.shared_deviation`): device noise that no other device shares is not
   worth fitting from ten samples. Where the pool has prior devices (published tables that
   are not proxies), each one's linear fit is one more denoised candidate, all of them
   together weighing as three columns before the samples speak (``prior_fit_weight``).
2. *A residual with a prior learned from the pool.* What no proxy explains is modelled as a
   linear function of the space's latency features (the encoding: per-position one-hot plus
   op counts; on NAS-Bench-201 also the counts of ops on live input-output paths; on FBNet
   also its analytic costs) whose Gaussian prior covariance is the covariance of the proxies'
   own linear latency models (plus a small isotropic part): the pool tells which directions
   of the encoding latency usually moves along, so ten samples suffice to fit it. Along the
   space's analytic costs (FBNet's MACs, weights, activations) the prior may be widened, by a
   scale chosen with the noise by leave-one-out, for targets that follow a cost no proxy
   follows; likewise along NAS-Bench-201's live-path op counts, for a target whose runtime
   prunes the ops no path uses where the proxies run them, or the other way round
   (``live_boost``: the fits with and without are averaged). The slope
   of the proxy average is refitted jointly with it (a Gaussian prior around 1), so a proxy
   that ranks the target poorly gives way to the residual instead of adding its own quirks; a
   small free mix of the denoised columns lets a target between two proxies be fitted as such.
   Posterior mean in closed form (a ``k x k`` solve).
3. *Log latency or milliseconds* (``scale``): log, where devices differ by factors rather
   than offsets; milliseconds where a space's latency adds up over its ops across a wide range
   (NAS-Bench-201's cells, the space's
   :attr:`~oneproxy_plugins.spaces.BaseSpace.latency_scale`), so the proxies' and the
   residual's linear models hold the sum; there, with few samples or a single proxy, a fit in
   each scale, averaged by their leave-one-out errors.
4. *A guard* (``guard``): per target, from its samples alone, how far to move from the raw
   proxies; with one proxy, the blend of its ranking as is and the adapted fit with the least
   leave-one-out error, so a one-proxy search is less often worse than the proxy alone. The
   decision and its evidence are learned attributes (``adapt_share_`` ...).

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> archs = [space.to_id(a) for a in space.sample_many(300, rng=0)]
    >>> x = space.encode_many(archs)
    >>> proxies = LatencyTable(archs, ["cpu", "gpu"],
    ...                        np.c_[1 + x[:, :30] @ np.linspace(0.1, 1, 30),
    ...                              1 + x[:, :30] @ np.linspace(1, 0.1, 30)], space=space.name)
    >>> target = 2 + x[:, :30] @ np.linspace(0.5, 0.6, 30)
    >>> model = AdaProxyPredictor(ProxyPool(proxies)).fit(archs[:10], target[:10])
    >>> model.predict(archs[10:]).shape
    (290,)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from oneproxy_plugins._checks import (check_bool, check_choice, check_int, check_random_state,
                                      check_real)
from oneproxy_plugins.adaproxy._base import BasePoolAdapter, check_targets
from oneproxy_plugins.adaproxy._linalg import (gp_loo_select, gp_offset_posterior,
                                               loo_affine_residuals, loo_blend)
from oneproxy_plugins.adaproxy.pool import ProxyPool
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.monotonicity import srcc_columns
from oneproxy_plugins.spaces import get_space

__all__ = ["AdaProxyPredictor", "BestProxyPredictor", "GUARDS", "SCALES"]

_NOISE_GRID = (0.003, 0.01, 0.03, 0.1, 0.3)
"""Residual noise variances (log latency) that ``noise="auto"`` chooses from."""

_SMALL_K = 10
"""Below this many samples ``noise="auto"`` is ``small_k_noise`` (not chosen on the samples),
``interval_prior_dof="auto"`` is :data:`_SMALL_K_PRIOR_DOF` and ``scale="auto"``'s
milliseconds are ``"both"``."""

_SMALL_K_PRIOR_DOF = 0.25
"""``interval_prior_dof="auto"`` below :data:`_SMALL_K` samples (0 from there on)."""

_LIVE_SHARE_MIN = 0.1
"""With one or two proxies, ``live_boost="auto"`` boosts where a proxy's
:meth:`ProxyPool.live_path_share` is at least this: between HELP's devices (0.071 at most) and
the subset's (0.12 at least)."""

_LIVE_BOOST_AUTO = (0.0, 30.0)
"""The ``live_boost`` candidates of ``"auto"`` there, whose fits are averaged per target."""

GUARDS = ("auto", "loo", "select", "srcc", "none")
"""How far :class:`AdaProxyPredictor` moves from the raw proxies (its ``guard`` parameter)."""

SCALES = ("auto", "log", "ms", "both")
"""The scales :class:`AdaProxyPredictor` can model latency in (its ``scale`` parameter)."""

DEVICE_PRIORS = ("average", "pool", "proxies")
"""How a pool's ``prior_devices`` enter :class:`AdaProxyPredictor`'s residual prior (its
``device_prior`` parameter)."""

_FLOOR_SHARE = 0.5
"""In milliseconds, predictions below this share of the smallest sample are squashed
smoothly (and in order) toward 0 instead of going to 0 or below (see ``_to_ms``)."""


class _ResidualFit(NamedTuple):
    """One fit of the residual: coefficients ``[intercept, basis columns, features]``, their
    posterior covariance, the samples' leave-one-out residuals and predictive variances, and
    the noise, ``cost_prior`` scale and ``live_boost`` it was fitted with, and whether its
    prior holds the pool's prior devices."""
    theta: np.ndarray
    coef_cov: np.ndarray
    loo: np.ndarray
    loo_var: np.ndarray
    noise: float
    cost: float
    boost: float
    devices: bool = False


@functools.cache
def _param_names(cls: type[AdaProxyPredictor]) -> tuple[str, ...]:
    """``cls``'s constructor parameters (scikit-learn's ``_get_param_names``), once per class."""
    return tuple(cls._get_param_names())


def _weighted(values: Sequence[float], weights: np.ndarray) -> float:
    """The weighted mean of ``values``; exactly their value where they are all equal."""
    values = np.asarray(values, dtype=np.float64)
    return float(values[0]) if (values == values[0]).all() else float(weights @ values)


def _normalised(log_weights: np.ndarray) -> np.ndarray:
    """Weights proportional to ``exp(log_weights)``, summing to 1."""
    weights = np.exp(log_weights - log_weights.max())
    return weights / weights.sum()


def _rank_agreement(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SRCC of every basis column with the samples; 0 for a column constant on them."""
    return np.nan_to_num(srcc_columns(z, y), nan=0.0)


class AdaProxyPredictor(BasePoolAdapter):
    """Few-shot target latency predictor built on a pool of proxy devices (the default).

    Args:
        pool: A :class:`ProxyPool`, or a :class:`LatencyTable` whose columns are all proxies.
        rank_weight: Weight of each proxy's SRCC with the target samples in the averaging
            weights (``exp(rank_weight * srcc - k/2 * log(loo_mse) / temperature)``): the
            ranking on the samples is what carries over to a proxy's ranking elsewhere.
        temperature: Tempering of the leave-one-out likelihood term: small values trust the
            affine fit errors fully, large values leave the choice to the ranks. 10 since
            ``raw_prior`` (before: 30); on the validation devices and leave-one-out over the
            proxies (K=10, 10 repeats), 30 -> 10: FBNet 0.925 -> 0.926, NAS-Bench-201 0.958 ->
            0.959 (mean of the all/HELP-split/leave-one-out cases; 3 and 5 are within 0.0005).
        residual: Fit the encoding residual with the pool-learned prior (``False``: the proxy
            average alone).
        prior_eps: Isotropic share added to the pool's weight covariance.
        count_boost: With fewer than three proxies, the extra prior variance on the op-count
            features, in units of the average variance (see :meth:`ProxyPool.weight_prior`).
            Single proxy ``pixel3`` on NAS-Bench-201's validation devices, K=10: SRCC 0.947
            with 3, 0.949 with 10 to 100 (with ``slope_var=10``).
        live_boost: Extra prior variance on the counts of ops on live input-output paths
            (NAS-Bench-201's ``live[...]`` features), in the units of ``count_boost``: a
            number, or several whose fits (each with its own noise and ``cost_prior`` chosen
            by leave-one-out) are *averaged*, weighted like the proxies by their tempered
            leave-one-out likelihood on the samples (``live_weights_``); or ``"auto"``
            (default): ``(0, 30)`` with three proxies or more, and with one or two where a
            proxy's latency follows the live-path counts (:meth:`ProxyPool.live_path_share`
            at least 0.1: nn-Meter's, Eagle's and HW-NAS-Bench's devices), else 0. Runtimes
            differ in whether they run the ops no path uses (PyTorch runs them; compiled
            runtimes prune them), and a pool of devices that all run them leaves no prior
            variance along the live-path counts for a target that does not. Nested
            leave-one-device-out (``benchmarks/lodo.sh``, ``live`` lines: HELP's nine proxies,
            all 33 NAS-Bench-201 devices, 30 repeats) chose ``"auto"`` over 0 for every
            device at K=10, K=5 and on HELP's split: K=10 0.922 -> 0.937 (worst device 0.729
            -> 0.770), K=5 0.891 -> 0.911, HELP's split 0.862 -> 0.897; the devices measured
            on every cell, HELP's, lose 0.001-0.003 (0.963 -> 0.962), and ``samsung_s7`` on
            HELP's split 0.058 (0.751 -> 0.693; ``0`` is the choice for a target known to
            run dead ops). Averaging rather than
            choosing by leave-one-out: ``pixel3`` alone, K=10 (5 repeats), HELP's devices
            0.944 -> 0.938 with the choice and 0.942 with the average, the subset's 0.871 ->
            0.904 and 0.899. With one proxy that runs dead ops (``pixel3``) ``"auto"`` stays
            0: with the average the one-proxy exhaustive search fell below the proxy's own
            front by more than 0.01 in 5 of 320 (target, seed) instead of 1, and its front
            recall went 0.378 -> 0.359 (with each of six other HELP devices alone, the pair
            raised that search's front recall by 0.009-0.026: ``(0, 30)`` is the better
            setting for a single PyTorch-measured proxy; docs/benchmarks.md). The share is
            that of the pool in the scale modelled (figures above: log): in milliseconds
            ``pixel3``'s is 0.24 (log 0.04), so its fits in milliseconds, the default's since
            ``scale``, average ``(0, 30)``; ``1080ti_256`` and ``2080ti_256`` likewise. The
            share in log alone (0 in every fit with ``pixel3``) measured worse: nested
            leave-one-device-out chose the rule as it is for all 32 devices at K=10 (0.938
            against 0.930) and K=5, and the one-proxy search fell below the proxy by more
            than 0.005 in 10 of 320 instead of 8.
        slope_var: Prior variance of the slope of the proxy average around 1, refitted jointly
            with the residual. 0 keeps the slope the averaging chose and lets the residual fit
            only what is left, so a poor proxy's quirks stay in the model; with a loose prior
            the residual can take over from it (single proxy ``pixel3``: SRCC 0.929 with 0,
            0.942 with 1, 0.949 with 10 or 100). With nine proxies it changes NAS-Bench-201 and
            FBNet by less than 0.002.
        noise: Noise variance of the residual model in log latency (0.01 is about 10%; in
            milliseconds relative to the target's mean latency squared), or
            ``"auto"``: the value of a small grid with the smallest closed-form leave-one-out
            error on the samples. Few proxies leave more unexplained, and a larger noise then
            keeps the residual from chasing it (single proxy ``pixel3`` on NAS-Bench-201:
            SRCC 0.889 with 0.01, 0.922 with 0.1).
        raw_prior: Exponent of the prior weight of each raw proxy column in the averaging:
            ``shared ** raw_prior``, ``shared`` the share of the proxy's deviation from its
            own fit that other proxies share (:meth:`ProxyPool.shared_deviation`); the fits
            keep weight 1. Where that deviation is the device's own timing noise (FBNet), ten
            samples cannot tell the raw column from its denoised fit, and the noise goes into
            the model; where devices share it (NAS-Bench-201), the raw column keeps most of
            its weight. 0 weighs raw columns and fits alike (the previous default). Tuned on
            the validation devices and leave-one-out over the proxies (K=10, 10 repeats, 0 ->
            1): FBNet 0.978 -> 0.980 (all) and 0.971 -> 0.974 (HELP split), leave-one-proxy-out
            0.884 -> 0.888 and 0.848 -> 0.859; NAS-Bench-201 within 0.001 (all, and
            leave-one-proxy-out) and 0.962 -> 0.965 (HELP split); single proxy ``pixel3``
            (share 0.5, see :meth:`ProxyPool.shared_deviation`) 0.951 -> 0.955.
        mix_var: Prior variance of a free linear combination of the pool's denoised basis
            columns (:meth:`ProxyPool.denoised_columns`: the smoothed fits and analytic
            proxies), split evenly over them and fitted with the residual: a target between
            devices (an FBNet GPU between two batch sizes of the proxy GPU) is a mix the
            average of a few close columns misses. 0 leaves the combination to the averaging
            (the previous default). Chosen on the validation devices and leave-one-out over the
            proxies (K=10, 10 repeats, 0 -> 0.03; 0.01 and 0.05 gain less): FBNet HELP split
            leave-one-proxy-out 0.860 -> 0.870 (the GPUs 0.01-0.06 each, ``samsung_s7``
            -0.045), every other case 0.000 to +0.002.
        cost_prior: Scales of an extra prior variance on the space's analytic costs
            (:meth:`ProxyPool.cost_variance`; FBNet's MACs, weights and activations), chosen
            with the noise by the same leave-one-out error: a number, or several to choose
            from. The pool's prior alone cannot fit a target whose latency follows one cost
            that no proxy follows: the made-up device ``1 + params / mean(params)`` of
            ``benchmarks/cost_devices.py`` (K=10, greedy, HELP's nine proxies, 30 repeats)
            ranks at 0.880 with ``0``, at 0.957 with the default ``(0.1, 1.0)``; its
            activations twin 0.940 -> 0.976. ``0`` leaves the costs to the pool's prior (the
            previous default). On real devices the choice is neutral (30 repeats, ``0`` ->
            default): FBNet validation 0.9814 -> 0.9812 (all) and 0.9739 -> 0.9742 (HELP
            split), leave-one-proxy-out 0.8897 -> 0.8884 and 0.8683 -> 0.8704. Spaces without
            costs (NAS-Bench-201, OFA) are unaffected.
        guard: How far the model moves from what the raw proxies already say (their columns
            of the averaging, affinely rescaled: with one proxy, its ranking as is), decided
            per target from its ``k`` samples alone. ``"loo"``: the blend
            ``(1 - s) * raw + s * adapted`` (log latency) whose leave-one-out error on the
            samples is smallest, ``s`` in ``[0, 1]`` in closed form from the two models'
            leave-one-out residuals (the adapted model's with its offset refitted without
            each sample, :func:`~oneproxy_plugins.adaproxy._linalg.gp_loo_residuals`);
            ``"select"``: the better of the two by that error (``s`` 0 or 1); ``"srcc"``:
            the paper's rule, adapt (``s = 1``) only when the raw proxies' SRCC with the
            samples is below ``srcc_threshold``; ``"none"``: always adapt (the previous
            behaviour); ``"auto"`` (default): ``"loo"`` with a single proxy, ``"none"`` with
            several. Chosen so by the numbers: on the one-proxy search (``pixel3``, 32
            targets, seeds 0-9, K=10) ``"loo"`` halves the (target, seed) whose front falls
            more than 0.005 below the proxy's as is (19 -> 11 of 320), while on HELP's
            nine-proxy pool nested leave-one-device-out preferred ``"none"`` for every one of
            the 33 NAS-Bench-201 devices (0.003-0.004 higher inner mean SRCC): with many
            proxies their raw average is not what a user would fall back on, and its
            leave-one-out error on ten samples flatters it. See docs/benchmarks.md ("Never
            worse than the proxy").
        srcc_threshold: The ``"srcc"`` guard's threshold (the paper's 0.9).
        small_k_noise: With fewer than 10 samples, the noise ``noise="auto"`` uses instead of
            choosing it on the samples (0: choose on the samples, the previous behaviour): a
            prior from the pool's devices, not from five samples. Nested leave-one-device-out
            over the 33 NAS-Bench-201 devices (HELP's nine proxies, K=5, inner means) gave 0.892
            with a fixed 0.03 against 0.884 with the choice on the samples and 0.882 with the
            choice restricted to 0.03 and more; at K=10 the choice on the samples won
            (NAS-Bench-201 0.925 vs 0.921, FBNet 0.937 vs 0.934), so only small K is fixed.
        interval_prior_dof: Pseudo-samples of the predictive scale's prior at the residual's
            own posterior variance (:meth:`predict_quantile`): 0 scales it by the ``k``
            samples' leave-one-out residuals alone; larger values widen the intervals toward
            the pool's prior, which is too wide on real devices; ``"auto"`` (default): 0.25
            below 10 samples, else 0. Nested leave-one-device-out over the shared devices
            (``benchmarks/lodo.sh``, ``dof`` lines: HELP's nine proxies, every device left out,
            30 repeats), coverage of the 90 % interval / interval score (lower is better) with
            0 and 1: NAS-Bench-201 K=10 0.854 / 0.681 and 0.911 / 0.739; FBNet K=10 0.886 /
            0.228 and 0.974 / 0.456. At K=5, with 0 / 0.25 / 0.5 / 1: NAS-Bench-201 0.815 /
            0.686, 0.945 / **0.672**, 0.966 / 0.732, 0.980 / 0.834; ``pixel3`` alone 0.690 /
            0.950, 0.961 / **0.903**, 0.981 / 1.084, 0.991 / 1.335; FBNet 0.875 / **0.334**,
            0.967 / 0.378, -, 0.983 / 0.479: 0.25 scores best on NAS-Bench-201 and holds at
            least 0.945 everywhere, where 0 holds 0.69 with one proxy (lowest device 0.48)
            (docs/benchmarks.md, "Predictive intervals").
        scale: The scale latency is modelled in: ``"log"``, ``"ms"``, or ``"auto"`` (default):
            the space's :attr:`~oneproxy_plugins.spaces.BaseSpace.latency_scale`, ``"ms"`` for
            NAS-Bench-201 and ``"log"`` for the others. The pool given is used in that scale
            (:meth:`ProxyPool.in_scale`: its proxies standardised in milliseconds, its fits
            refitted there), whatever its own ``log``. In milliseconds the noise and every
            prior variance are relative to the target's mean latency squared, and predictions
            stay positive (see ``floor_ms_``). A NAS-Bench-201 cell's latency is a sum over
            its ops, from dead cells to all-convolution ones (a factor of 5-20 on one device):
            a least-squares fit of each device's own table on the features ranks it better in
            milliseconds for 31 of the 33 devices of the data (within 0.0001 for the other
            two), and nested leave-one-device-out (``benchmarks/lodo.sh``,
            ``scale`` lines: HELP's nine proxies, 30 repeats) chose ``"ms"`` for every device,
            at K=10 (0.942 -> 0.954 over the 33 devices; 0.964 -> 0.970 over the 21 measured
            on every cell), on HELP's split (0.904 -> 0.917) and at K=5 (0.911 -> 0.920), and
            with ``pixel3`` alone (0.918 -> 0.939). FBNet's latency spans a narrow range and
            leave-one-device-out chose ``"log"`` there (docs/benchmarks.md, "Milliseconds or
            log"). ``"both"``: a fit in each scale (``components_``, each with its own guard),
            averaged in log latency with weights from their tempered leave-one-out likelihood
            in log latency (``scale_weights_``, as the proxies and the ``live_boost`` fits
            are weighed); its quantiles average the two fits' quantile functions in log.
            ``"auto"``'s milliseconds are ``"both"`` below 10 samples and with a single proxy.
            Nested leave-one-device-out (``benchmarks/lodo.sh``, ``both`` lines) chose
            ``"both"`` for 32 of the 33 devices at K=5 (worst device 0.715 -> 0.741, worst
            repeat 0.051 -> 0.251, mean 0.920 -> 0.921) and ``"ms"`` at K=10, with HELP's nine
            proxies (all 33) and with ``pixel3`` alone (all 32, by 0.0008 in the mean; 0.960
            -> 0.963 over the 20 devices measured on every cell). With a single proxy the
            search decides: ``pixel3`` alone, exhaustive, seeds 0-9, fronts more than 0.01
            below the proxy's as is 5 -> 4 of 320, mean hv_ratio 0.9847 -> 0.9862, worst
            full-table front 0.9698 -> 0.9775 (docs/benchmarks.md, "Both scales"). FBNet stays
            in log: leave-one-device-out chose it over ``"both"`` for 20 of its 24 devices at
            K=5 and at K=10.
        ms_prior: In milliseconds, the residual's prior variance (the pool's weight covariance
            and the ``cost_prior`` and ``live_boost`` terms) relative to what the same prior
            is in log latency at the target's mean: 0.03, chosen on NAS-Bench-201 (K=10, 10
            repeats, every device, the pool less it): with HELP's nine proxies 0.01 / 0.03 /
            0.1 / 1 gave 0.953 / 0.955 / 0.955 / 0.955, with ``pixel3`` alone 0.937 / 0.935 /
            0.932 / 0.922. Not used in log.
        device_prior: Where the pool has ``prior_devices`` (:class:`ProxyPool`: more measured
            devices whose linear weights shape the residual's prior, not basis columns), how
            they enter that prior. ``"average"`` (default): the residual is fitted under the
            proxies' prior and under the prior with the prior devices too, and the fits are
            averaged by their tempered leave-one-out likelihood on the samples
            (``device_prior_weight_``), as the ``live_boost`` candidates are; ``"pool"``: the
            prior with them alone; ``"proxies"``: without them. Left one device out at a time
            (NAS-Bench-201, every other device of the data as prior devices, K=10):
            ``"pool"`` raised the mean over 33 devices 0.9537 -> 0.9562 and lowered the worst
            device 0.793 -> 0.786; ``"average"`` gave 0.9558 and 0.796, and with ``pixel3``
            alone raised all 32 devices (0.9378 -> 0.9445; docs/benchmarks.md, "Prior
            devices"). A pool without prior devices fits as before. ``"proxies"`` also gives
            their fits no weight.
        prior_fit_weight: The prior weight of the pool's prior devices' linear fits
            (:meth:`ProxyPool.prior_fits`, candidates beside the basis columns) in the proxy
            average, all of them together, in units of one basis column's: each of ``n`` gets
            ``prior_fit_weight / n``, so thirty published devices do not outvote the proxies
            on ten samples, while a target like one of them can still take its fit. 0 leaves
            them out (the fit before). Left one device out at a time, every other device of
            the data a prior device, 1 against 0: NAS-Bench-201 K=5 0.9229 -> 0.9313, K=10
            0.9558 -> 0.9570 (its worst device 0.796 -> 0.787), ``pixel3`` alone 0.9445 ->
            0.9569; FBNet K=10 0.9411 -> 0.9444 (docs/benchmarks.md, "Prior devices' fits").
            3 (the default) against 1 raises the mean of every case again by 0.0005-0.005,
            most on the 1,999-cell edge devices, the worst device within 0.004
            (docs/benchmarks.md, "Three columns' worth").

    Attributes:
        pool_: The :class:`ProxyPool` fitted on (``pool`` itself, or built from a table).
        proxy_weights_: Model-averaging weight of each basis column (the proxies, then their
            smoothed fits), array ``(len(pool.basis_names),)``.
        prior_fit_weights_: The weight of each of the pool's prior devices' fits in that
            average, array ``(len(pool.prior_devices),)`` (empty where they are not weighed;
            with ``proxy_weights_`` it sums to 1). Their coefficients are folded into the
            features' (each fit is linear in them). Not saved: a description of the fit.
        n_samples_: Number of target measurements used.
        noise_: Noise variance chosen for the residual (log latency; with several
            ``live_boost`` candidates, the weighted mean of each one's choice).
        cost_scale_: The value of ``cost_prior`` chosen (0 where the space has no costs; with
            several ``live_boost`` candidates, likewise their weighted mean).
        live_boost_: The ``live_boost`` candidates' mean, weighted by ``live_weights_`` (0
            where it does not apply; not saved: a description of the fit).
        live_candidates_: The ``live_boost`` candidates fitted (``[0.0]`` where it does not
            apply), and ``live_weights_`` each one's weight in the average (not saved).
        device_prior_weight_: The weight, in that average, of the fits whose prior holds the
            pool's prior devices (0 without them; not saved).
        guard_rule_: The guard applied (``"auto"`` resolved to ``"loo"`` or ``"none"``).
        adapt_share_: The guard's decision ``s``: 0 keeps the raw proxies as they are
            (rescaled), 1 is the full adaptation.
        loo_rmse_proxy_: Its evidence: the raw proxies' leave-one-out RMSE on the samples
            (log latency).
        loo_rmse_adapted_: The adapted model's (without the residual: the averaging's).
        proxy_srcc_: SRCC of the raw proxies' average with the samples (what ``"srcc"``
            compares with ``srcc_threshold``).
        (:meth:`guard_evidence` returns the four with ``guard_rule_``.)
        coef_cov_: Covariance of the model's linear coefficients (intercept, basis columns,
            features) in the pool's scale, calibrated (see ``interval_prior_dof``); ``None``
            without the residual.
        noise_var_: The calibrated noise variance added to it at every architecture.
        interval_dof_: Degrees of freedom of the predictive Student's t
            (:meth:`predict_quantile`).
        floor_ms_: In milliseconds, half the fastest sample: a prediction ``v`` below it
            (``f``) is ``f**2 / (2 f - v)``, positive and in the same order, where a linear
            model would reach 0 or below far from its samples; ``None`` in log.
        loo_residuals_: The samples' leave-one-out residuals of the final model, in the scale
            modelled (with ``scale="both"``: in log latency, the fits' weighted by
            ``scale_weights_``).
        components_: With ``scale="both"``, its two fits, in log latency and in
            milliseconds: each an ``AdaProxyPredictor`` with the attributes above, which the
            model itself then lacks but for ``pool_`` (in log), ``n_samples_``,
            ``guard_rule_`` and ``loo_residuals_``; ``None`` otherwise.
        scale_weights_: With ``scale="both"``, the two fits' weights (summing to 1); ``None``
            otherwise.

    Example:
        See the module docstring.
    """

    def __init__(self, pool: ProxyPool | LatencyTable | None = None, *, rank_weight: float = 10.0,
                 temperature: float = 10.0, residual: bool = True, prior_eps: float = 0.1,
                 noise: float | str = "auto", count_boost: float = 30.0,
                 live_boost: float | Sequence[float] | str = "auto",
                 slope_var: float = 10.0, raw_prior: float = 1.0, mix_var: float = 0.03,
                 cost_prior: float | Sequence[float] = (0.1, 1.0), guard: str = "auto",
                 srcc_threshold: float = 0.9, small_k_noise: float = 0.03,
                 interval_prior_dof: float | str = "auto", scale: str = "auto",
                 ms_prior: float = 0.03, device_prior: str = "average",
                 prior_fit_weight: float = 3.0) -> None:
        self.pool = pool
        self.rank_weight = rank_weight
        self.temperature = temperature
        self.residual = residual
        self.prior_eps = prior_eps
        self.noise = noise
        self.count_boost = count_boost
        self.live_boost = live_boost
        self.slope_var = slope_var
        self.raw_prior = raw_prior
        self.mix_var = mix_var
        self.cost_prior = cost_prior
        self.guard = guard
        self.srcc_threshold = srcc_threshold
        self.small_k_noise = small_k_noise
        self.interval_prior_dof = interval_prior_dof
        self.scale = scale
        self.ms_prior = ms_prior
        self.device_prior = device_prior
        self.prior_fit_weight = prior_fit_weight

    def fit(self, X: Sequence[Any], y: Any) -> AdaProxyPredictor:  # noqa: N803
        """Fit on target measurements.

        Args:
            X: Architectures (ids or values) measured on the target, ``k`` of them.
            y: Their latencies in milliseconds, shape ``(k,)``.

        Returns:
            self

        Raises:
            ValueError: A bad parameter (named), fewer than 3 samples, a latency that is not
                positive and finite, or a constant target.
        """
        self._check_params()
        archs = list(X)
        return self._fit_checked(archs, check_targets(y, len(archs), min_samples=3))

    def _fit_checked(self, archs: list[Any], y: np.ndarray) -> AdaProxyPredictor:
        """:meth:`fit` once its parameters and samples are checked."""
        rule = self._scale_rule(len(archs))
        self.components_ = self.scale_weights_ = None
        if rule == "both":
            return self._fit_both(archs, y)
        log = rule == "log"
        pool = self._fit_pool(log=log).in_scale(log)
        z, feats = pool.basis(archs)
        self.pool_ = pool
        self.floor_ms_ = None if pool.log else _FLOOR_SHARE * float(np.min(y))
        return self._fit_basis(z, feats, pool.forward(y))

    def _fit_both(self, archs: list[Any], y: np.ndarray) -> AdaProxyPredictor:
        """``scale="both"``: a fit in log latency and one in milliseconds (each with its own
        guard), averaged in log latency with weights from their tempered leave-one-out
        likelihood in log latency, as the proxies and the ``live_boost`` fits are."""
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("_")]:
            del self.__dict__[name]  # a single-scale fit's attributes do not apply
        pool = self._fit_pool(log=True).in_scale(True)  # a pool given in ms: its log twin
        # get_params' own signature lookup would cost a tenth of a small fit
        params = {**{n: getattr(self, n) for n in _param_names(type(self))}, "pool": pool}
        components = [type(self)(**{**params, "scale": s})._fit_checked(archs, y)
                      for s in ("log", "ms")]
        loo = np.array([c._log_loo_residuals(y) for c in components])
        weights = _normalised(self._loo_log_likelihood(np.mean(loo ** 2, axis=1), len(y)))
        return self._adopt(pool, components, weights, weights @ loo)

    def _adopt(self, pool: ProxyPool, components: list[AdaProxyPredictor],
               weights: np.ndarray, loo_residuals: np.ndarray) -> AdaProxyPredictor:
        """``scale="both"``'s fitted state from its two fits (fitted or loaded): the fits,
        their weights and leave-one-out residuals, and what the fits share."""
        self.pool_, self.components_, self.scale_weights_ = pool, components, weights
        self.loo_residuals_ = loo_residuals
        self.guard_rule_ = components[0].guard_rule_
        self.n_samples_ = components[0].n_samples_
        self.n_features_in_ = components[0].n_features_in_
        return self

    def _log_loo_residuals(self, y: np.ndarray) -> np.ndarray:
        """The samples' leave-one-out residuals in log latency (``loo_residuals_`` is in the
        scale modelled; in milliseconds the left-out predictions go through the floor)."""
        if self.pool_.log:
            return self.loo_residuals_
        return np.log(y) - np.log(self._to_ms(y - self.loo_residuals_))

    def _check_params(self) -> None:
        check_real("temperature", self.temperature, low=0.0, low_open=True, kind="parameter")
        for name in ("rank_weight", "prior_eps", "count_boost", "slope_var", "raw_prior",
                     "mix_var", "small_k_noise", "ms_prior", "prior_fit_weight"):
            check_real(name, getattr(self, name), low=0.0, kind="parameter")
        if self.interval_prior_dof != "auto":
            try:
                check_real("interval_prior_dof", self.interval_prior_dof, low=0.0,
                           kind="parameter")
            except ValueError:
                raise ValueError(f"The 'interval_prior_dof' parameter must be 'auto' or a "
                                 f"number >= 0; got {self.interval_prior_dof!r}.") from None
        check_bool("residual", self.residual, kind="parameter")
        check_choice("guard", self.guard, GUARDS, kind="parameter")
        check_choice("scale", self.scale, SCALES, kind="parameter")
        check_choice("device_prior", self.device_prior, DEVICE_PRIORS, kind="parameter")
        check_real("srcc_threshold", self.srcc_threshold, low=-1.0, high=1.0, kind="parameter")
        if self.noise != "auto":
            try:
                check_real("noise", self.noise, low=0.0, low_open=True, kind="parameter")
            except ValueError:
                raise ValueError(f"The 'noise' parameter must be 'auto' or a number > 0; "
                                 f"got {self.noise!r}.") from None
        self._scales("cost_prior")
        if self.live_boost != "auto":
            self._scales("live_boost")

    def _scale_rule(self, k: int) -> str:
        """The scale modelled in on ``k`` samples: ``scale``, where ``"auto"`` is the space's
        :attr:`~oneproxy_plugins.spaces.BaseSpace.latency_scale` (log without a space: the
        pool then says what is missing), and its ``"ms"`` is ``"both"`` below
        :data:`_SMALL_K` samples or with a single proxy."""
        if self.scale != "auto":
            return self.scale
        space = self.space
        rule = get_space(space).latency_scale if space is not None else "log"
        if rule == "ms" and (k < _SMALL_K or self._n_proxies() == 1):
            return "both"
        return rule

    def _n_proxies(self) -> int:
        """Number of proxy devices of ``pool`` (a pool, or a table whose columns all are)."""
        pool = self.pool
        return len(pool.devices) if isinstance(pool, (ProxyPool, LatencyTable)) else 0

    def _live_boosts(self) -> list[float]:
        """``live_boost`` as a list; ``"auto"``: :data:`_LIVE_BOOST_AUTO` with three proxies or
        more, or where a proxy's latency follows the live-path counts
        (:meth:`ProxyPool.live_path_share` at least :data:`_LIVE_SHARE_MIN`), else 0."""
        if self.live_boost != "auto":
            return self._scales("live_boost")
        pool = self.pool_
        if len(pool.devices) >= 3 or (pool.live_path_share() >= _LIVE_SHARE_MIN).any():
            return list(_LIVE_BOOST_AUTO)
        return [0.0]

    def _prior_fit_log_weight(self) -> float:
        """The log prior weight of each of the pool's prior devices' fits in the proxy
        average: ``prior_fit_weight`` shared by all of them (``-inf``: left out, without prior
        devices, with ``device_prior="proxies"`` or with a weight of 0)."""
        n = len(self.pool_.prior_devices)
        if not n or self.device_prior == "proxies" or self.prior_fit_weight == 0:
            return -np.inf
        return float(np.log(self.prior_fit_weight / n))

    def _fold_prior_fits(self, own: int) -> None:
        """Fold the prior devices' fits, basis columns ``own:`` of the fit, into the
        features' coefficients (each fit is linear in the centred features), so the model
        predicts from the pool's basis alone; their weights are kept as
        ``prior_fit_weights_``."""
        coef = self.coef_proxy_[own:]
        self.prior_fit_weights_ = self.proxy_weights_[own:]
        if not len(coef):
            return
        fit_map = self.pool_.prior_fit_map()
        self.proxy_weights_ = self.proxy_weights_[:own]
        self.coef_proxy_ = self.coef_proxy_[:own]
        self.coef_features_ = self.coef_features_ + coef @ fit_map
        if self.coef_cov_ is not None:  # [intercept, basis, fits, features] -> without fits
            n_fit, n_feat = fit_map.shape
            fold = np.zeros((1 + own + n_feat, 1 + own + n_fit + n_feat))
            fold[:1 + own, :1 + own] = np.eye(1 + own)
            fold[1 + own:, 1 + own:1 + own + n_fit] = fit_map.T
            fold[1 + own:, 1 + own + n_fit:] = np.eye(n_feat)
            self.coef_cov_ = fold @ self.coef_cov_ @ fold.T

    def _prior_sources(self) -> list[bool]:
        """Whether each prior the residual is fitted under holds the pool's prior devices
        (``device_prior``): both priors with ``"average"``, where the pool has them."""
        if not self.pool_.prior_devices or self.device_prior == "proxies":
            return [False]
        return [True] if self.device_prior == "pool" else [False, True]

    def _scales(self, name: str) -> list[float]:
        """A parameter that is a number or a list of them to choose from, as a list (raises
        ``ValueError`` naming the parameter and what is allowed)."""
        value = getattr(self, name)
        scales = list(value) if isinstance(value, (list, tuple)) else [value]
        if not scales or not all(isinstance(c, (int, float)) and not isinstance(c, bool)
                                 and c >= 0 for c in scales):
            raise ValueError(f"The {name!r} parameter must be a number >= 0 or a non-empty "
                             f"list of them; got {value!r}.")
        return [float(c) for c in scales]

    def _fit_basis(self, z: np.ndarray, feats: np.ndarray, logy: np.ndarray) -> AdaProxyPredictor:
        pool = self.pool_
        k = len(logy)
        own = z.shape[1]  # the pool's basis; then the prior devices' fits, where weighed
        prior_fit_logw = self._prior_fit_log_weight()
        if np.isfinite(prior_fit_logw):
            z = np.c_[z, pool.prior_fits(feats)]
        intercepts, slopes, loo_resid = loo_affine_residuals(z, logy)
        loo = np.mean(loo_resid ** 2, axis=0)
        logw = self.rank_weight * _rank_agreement(z, logy) + self._loo_log_likelihood(loo, k)
        m = len(pool.devices)
        if self.raw_prior > 0 and pool.smooth:
            logw[:m] += self.raw_prior * np.log(np.clip(pool.shared_deviation(), 1e-3, None))
        logw[own:] += prior_fit_logw
        weights = _normalised(logw)
        self.proxy_weights_ = weights
        self.coef_proxy_ = weights * slopes  # on standardised proxy log latency
        self.intercept_ = float(weights @ intercepts)
        self.coef_features_ = np.zeros(feats.shape[1])
        self.cost_scale_ = self.live_boost_ = 0.0
        self.live_candidates_, self.live_weights_ = [0.0], np.ones(1)
        self.device_prior_weight_ = 0.0
        adapted_loo = loo_resid @ weights  # the averaging's, its weights held fixed
        coef_cov = loo_var = noise = None  # without the residual: no posterior
        if self.residual:
            # y = intercept + g * m(x) + z_d(x) b + f(x) + noise, m the proxy average, z_d the
            # denoised basis columns, f linear in the features; g ~ N(1, slope_var),
            # b ~ N(0, mix_var / d) and f's weights ~ N(0, cov + c diag(cost_var)
            # + l diag(live_var)) as one Gaussian process, c one of cost_prior (chosen), l one of
            # live_boost (the fits of its candidates averaged).
            proxy_part = z @ self.coef_proxy_
            resid = logy - (self.intercept_ + proxy_part)
            # in milliseconds, every prior variance and the noise are relative to the target's
            # mean latency squared (a log deviation d is about mean * d milliseconds)
            scale = 1.0 if pool.log else float(np.mean(logy)) ** 2
            prior_scale = scale if pool.log else scale * self.ms_prior
            proxy_centred = proxy_part - proxy_part.mean()
            mixed = pool.denoised_columns()
            z_mixed = z[:, mixed] - z[:, mixed].mean(axis=0)
            mix_var = self.mix_var * scale / len(mixed)
            base_kernel = (self.slope_var * np.outer(proxy_centred, proxy_centred)
                           + mix_var * z_mixed @ z_mixed.T)
            centred = resid - resid.mean()
            grid = _NOISE_GRID if self.noise == "auto" else (float(self.noise),)
            if self.noise == "auto" and k < _SMALL_K and self.small_k_noise > 0:
                grid = (float(self.small_k_noise),)
            phi = np.column_stack((proxy_centred, z_mixed, feats))
            means = (float(proxy_part.mean()), z[:, mixed].mean(axis=0))
            fits = []
            for source in self._prior_sources():
                _, cov = pool.weight_prior(self.prior_eps, self.count_boost,
                                           with_prior_devices=source)
                cost_var = pool.cost_variance(cov) * prior_scale
                # the prior variance one unit of live_boost adds (zero without live features)
                live_var = np.diag(pool.weight_prior(self.prior_eps, self.count_boost, 1.0,
                                                     with_prior_devices=source)[1]
                                   - cov) * prior_scale
                cov = cov * prior_scale
                kernel = feats @ cov @ feats.T + base_kernel
                costs = self._scales("cost_prior") if cost_var.any() else [0.0]
                boosts = self._live_boosts() if live_var.any() else [0.0]
                for b in boosts:  # per live_boost candidate: cost_prior, noise chosen by LOO
                    extra_vars = [c * cost_var + b * live_var for c in costs]
                    kernels = [kernel + (feats * v) @ feats.T for v in extra_vars]
                    alpha, noise_b, chosen, inverse = gp_loo_select(
                        kernels, centred, [g * scale for g in grid], return_inverse=True)
                    fits.append(self._residual_fit(
                        phi, mixed, mix_var, cov + np.diag(extra_vars[chosen]), alpha, noise_b,
                        resid, means, inverse, cost=costs[chosen], boost=b, devices=source))
            theta, coef_cov, adapted_loo, loo_var, noise = self._average_fits(fits, k)
            self.noise_ = noise / scale
            n_z = len(self.coef_proxy_)
            self.intercept_ = float(theta[0])
            self.coef_proxy_ = theta[1:1 + n_z]
            self.coef_features_ = theta[1 + n_z:]
        blend_loo = self._guard(z, logy, weights[:m], intercepts[:m], slopes[:m],
                                loo_resid[:, :m], adapted_loo)
        self._calibrate(blend_loo, coef_cov, loo_var, noise)
        self._fold_prior_fits(own)
        self.loo_residuals_ = blend_loo
        self.n_samples_ = k
        self.n_features_in_ = feats.shape[1]
        return self

    def _residual_fit(self, phi: np.ndarray, mixed: np.ndarray, mix_var: float,
                      feature_prior: np.ndarray, alpha: np.ndarray, noise: float,
                      resid: np.ndarray, means: tuple[float, np.ndarray],
                      inverse: np.ndarray, *, cost: float, boost: float, devices: bool
                      ) -> _ResidualFit:
        """One fit of the residual (dual weights ``alpha`` under ``feature_prior``; ``inverse``:
        its kernel plus noise, inverted) as the model's coefficients ``[intercept, basis
        columns, features]``, with their posterior covariance and the samples' leave-one-out
        residuals and variances."""
        proxy_mean, mixed_mean = means
        coef_cov, loo, loo_var = self._coef_posterior(phi, mixed, mix_var, feature_prior,
                                                      noise, resid, proxy_mean, mixed_mean,
                                                      inverse)
        n_mix = len(mixed)
        proxy_centred, z_mixed, feats = phi[:, 0], phi[:, 1:1 + n_mix], phi[:, 1 + n_mix:]
        slope = 1.0 + self.slope_var * float(proxy_centred @ alpha)
        mix = mix_var * z_mixed.T @ alpha
        coef_proxy = self.coef_proxy_ * slope  # the averaging's, refitted
        coef_proxy[mixed] += mix
        intercept = (self.intercept_ + float(resid.sum()) / len(resid)
                     - (slope - 1.0) * proxy_mean
                     - float(mixed_mean @ mix))
        theta = np.concatenate(([intercept], coef_proxy, feature_prior @ (feats.T @ alpha)))
        return _ResidualFit(theta, coef_cov, loo, loo_var, noise, cost, boost, devices)

    def _loo_log_likelihood(self, loo_mse: np.ndarray, k: int) -> np.ndarray:
        """The tempered leave-one-out log likelihood of candidate models with these
        leave-one-out mean squares on ``k`` samples, ``-k/2 log(loo_mse) / temperature``: what
        weighs both the proxies and the ``live_boost`` candidates' fits."""
        return -0.5 * k * np.log(loo_mse + 1e-12) / self.temperature

    def _average_fits(self, fits: list[_ResidualFit], k: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
        """The ``live_boost`` candidates' fits averaged by their tempered leave-one-out
        likelihood, as the proxies are (ten samples rarely tell which is right): sets
        ``live_weights_`` and the fit's descriptions; returns the coefficients, their
        covariance (the mixture's second moment), the leave-one-out residuals and variances
        (weights held fixed) and the noise."""
        loo = np.array([f.loo for f in fits])  # (fits, k)
        w = _normalised(self._loo_log_likelihood(np.mean(loo ** 2, axis=1), k))
        thetas = np.array([f.theta for f in fits])
        theta = w @ thetas
        spread = thetas - theta
        coef_cov = (np.tensordot(w, np.array([f.coef_cov for f in fits]), axes=1)
                    + (spread.T * w) @ spread)
        # the same live_boost candidates under each prior (one or two): their weights summed
        n_priors = len({f.devices for f in fits})
        self.live_candidates_ = [f.boost for f in fits[:len(fits) // n_priors]]
        self.live_weights_ = w.reshape(n_priors, -1).sum(axis=0)
        self.live_boost_ = _weighted([f.boost for f in fits], w)
        self.device_prior_weight_ = float(sum(wi for wi, f in zip(w, fits) if f.devices))
        self.cost_scale_ = _weighted([f.cost for f in fits], w)
        return (theta, coef_cov, w @ loo, w @ np.array([f.loo_var for f in fits]),
                _weighted([f.noise for f in fits], w))

    def _coef_posterior(self, phi: np.ndarray, mixed: np.ndarray, mix_var: float,
                        feature_prior: np.ndarray, noise: float, resid: np.ndarray,
                        proxy_mean: float, mixed_mean: np.ndarray,
                        inverse: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Posterior covariance of the model's linear coefficients on ``[1, z, feats]`` (the
        residual's Gaussian process in weight space, :func:`gp_offset_posterior`, given the
        inverse of its kernel plus noise where known) and each sample's leave-one-out
        residual of ``resid`` and predictive variance.

        ``phi`` holds the residual's inputs ``[proxy average, mixed columns, features]``
        (centred as in the fit) and the prior is block-diagonal over them; the map to the
        coefficients follows how :meth:`_fit_basis` folds the slope and the mix into
        ``coef_proxy_`` and ``intercept_``."""
        n_mix, n_feat = len(mixed), feature_prior.shape[0]
        prior = np.zeros((1 + n_mix + n_feat,) * 2)
        prior[0, 0] = self.slope_var
        np.fill_diagonal(prior[1:1 + n_mix, 1:1 + n_mix], mix_var)
        prior[1 + n_mix:, 1 + n_mix:] = feature_prior
        post, loo_resid, loo_var = gp_offset_posterior(phi, prior, noise, resid,
                                                       inverse=inverse)
        # (offset, slope, mix) -> (intercept, z) coefficients; the features' are the weights
        n_z, n_s = len(self.coef_proxy_), 2 + n_mix
        lin = np.zeros((1 + n_z, n_s))
        lin[0, 0], lin[0, 1], lin[0, 2:] = 1.0, -proxy_mean, -mixed_mean
        lin[1:, 1] = self.coef_proxy_  # the averaging's, before the slope
        lin[1 + mixed, 2 + np.arange(n_mix)] = 1.0
        top = lin @ post[:n_s]
        cov = np.empty((1 + n_z + n_feat,) * 2)
        cov[:1 + n_z, :1 + n_z] = top[:, :n_s] @ lin.T
        cov[:1 + n_z, 1 + n_z:] = top[:, n_s:]
        cov[1 + n_z:, :1 + n_z] = top[:, n_s:].T
        cov[1 + n_z:, 1 + n_z:] = post[n_s:, n_s:]
        return cov, loo_resid, loo_var

    def _calibrate(self, loo: np.ndarray, coef_cov: np.ndarray | None,
                   loo_var: np.ndarray | None, noise: float | None) -> None:
        """Scale the predictive variance so the samples' leave-one-out residuals fit it.

        The residual's posterior variance (times ``adapt_share_ ** 2``, the part of the model
        it carries) plus its noise is the variance at a new architecture; the leave-one-out
        residuals ``loo`` of the final model, each divided by that variance at its sample,
        estimate a common scale with ``interval_prior_dof`` pseudo-samples at 1 (a conjugate
        prior on it), and the predictive distribution is Student's t with that many degrees
        of freedom plus ``k``. Without the residual the variance is the leave-one-out mean
        square, with ``k`` degrees of freedom."""
        k = len(loo)
        if coef_cov is None:
            self.coef_cov_ = None
            self.noise_var_ = float(np.mean(loo ** 2))
            self.interval_dof_ = float(k)
            return
        share = self.adapt_share_ ** 2
        var = share * (loo_var - noise) + noise
        if self.interval_prior_dof == "auto":
            prior_dof = _SMALL_K_PRIOR_DOF if k < _SMALL_K else 0.0
        else:
            prior_dof = float(self.interval_prior_dof)
        scale = (prior_dof + float(np.sum(loo ** 2 / var))) / (prior_dof + k)
        self.coef_cov_ = scale * share * coef_cov
        self.noise_var_ = scale * noise
        self.interval_dof_ = prior_dof + k

    def _guard_rule(self) -> str:
        """The guard applied: ``auto`` is ``loo`` with one proxy, ``none`` with several."""
        if self.guard != "auto":
            return self.guard
        return "loo" if len(self.pool_.devices) == 1 else "none"

    def _guard(self, z: np.ndarray, logy: np.ndarray, raw_weights: np.ndarray,
               intercepts: np.ndarray, slopes: np.ndarray, raw_loo: np.ndarray,
               adapted_loo: np.ndarray) -> np.ndarray:
        """Blend the adapted model with the raw proxies' average by ``guard`` (see the class);
        returns the blend's leave-one-out residuals."""
        total = float(raw_weights.sum())
        raw_weights = raw_weights / total if total > 0 else np.full(len(raw_weights),
                                                                      1.0 / len(raw_weights))
        m = len(raw_weights)
        anchor_coef = np.zeros_like(self.coef_proxy_)
        anchor_coef[:m] = raw_weights * slopes
        anchor_intercept = float(raw_weights @ intercepts)
        anchor_loo = raw_loo @ raw_weights
        self.loo_rmse_proxy_ = float(np.sqrt(np.mean(anchor_loo ** 2)))
        self.loo_rmse_adapted_ = float(np.sqrt(np.mean(adapted_loo ** 2)))
        self.proxy_srcc_ = float(np.nan_to_num(
            srcc_columns((z[:, :m] @ raw_weights)[:, None], logy)[0], nan=0.0))
        self.guard_rule_ = rule = self._guard_rule()
        if rule == "loo":
            share = loo_blend(anchor_loo, adapted_loo)
        elif rule == "select":
            share = float(self.loo_rmse_adapted_ <= self.loo_rmse_proxy_)
        elif rule == "srcc":
            share = float(self.proxy_srcc_ < self.srcc_threshold)
        else:
            share = 1.0
        self.adapt_share_ = share
        if share < 1.0:
            self.coef_proxy_ = (1.0 - share) * anchor_coef + share * self.coef_proxy_
            self.intercept_ = (1.0 - share) * anchor_intercept + share * self.intercept_
            self.coef_features_ = share * self.coef_features_
        return (1.0 - share) * anchor_loo + share * adapted_loo

    components_: list[AdaProxyPredictor] | None = None  # set by fit; None but with "both"
    scale_weights_: np.ndarray | None = None

    def _to_state(self) -> dict[str, Any]:
        if self.components_ is None:
            return super()._to_state()
        from oneproxy_plugins.predictors.io import encode_value

        state = {"pool": self.pool_.to_state(),
                 "scale_weights_": encode_value(self.scale_weights_, "scale_weights_"),
                 "loo_residuals_": encode_value(self.loo_residuals_, "loo_residuals_")}
        state["components"] = [c._attrs_state() for c in self.components_]  # one pool
        return state

    @classmethod
    def _from_state(cls, params: Mapping[str, Any], state: Mapping[str, Any]) -> Any:
        if "components" not in state:
            return super()._from_state(params, state)
        from oneproxy_plugins.predictors.io import decode_value

        pool = ProxyPool.from_state(state["pool"])
        components = []
        for scale, sub in zip(("log", "ms"), state["components"]):
            component = cls._restore(pool, {**params, "scale": scale}, sub)
            component.pool_ = pool.in_scale(scale == "log")
            components.append(component)
        return cls(pool, **params)._adopt(
            pool, components, decode_value(state["scale_weights_"], "scale_weights_"),
            decode_value(state["loo_residuals_"], "loo_residuals_"))

    _state_attrs = ("proxy_weights_", "coef_proxy_", "coef_features_", "intercept_", "noise_",
                    "n_samples_", "n_features_in_", "cost_scale_", "guard_rule_", "adapt_share_",
                    "loo_rmse_proxy_", "loo_rmse_adapted_", "proxy_srcc_", "coef_cov_",
                    "noise_var_", "interval_dof_", "floor_ms_", "loo_residuals_")
    _added_state_attrs = ("coef_cov_", "noise_var_", "interval_dof_", "floor_ms_",
                          "loo_residuals_")

    def guard_evidence(self) -> dict[str, Any] | None:
        """The guard's decision and its evidence, JSON-able (what ``oneproxy adapt`` prints).

        Returns:
            ``{"guard", "adapt_share", "loo_rmse_proxy", "loo_rmse_adapted", "proxy_srcc",
            "scale"}`` (see the class's attributes; ``scale``, ``"log"`` or ``"ms"``, is the
            scale modelled in, the two errors' unit). With ``scale="both"``, ``scale`` is
            ``"both"``, ``scales`` maps ``"log"`` and ``"ms"`` to each fit's own evidence
            with its ``weight``, and the rest summarises them in log latency: the weighted
            ``adapt_share``, the log fit's ``loo_rmse_proxy`` and ``proxy_srcc``, and the
            average's own ``loo_rmse_adapted`` (of ``loo_residuals_``).

        Raises:
            NotFittedError: Before ``fit``.
        """
        self._check_fitted()
        if self.components_ is not None:
            scales = {}
            for component, weight in zip(self.components_, self.scale_weights_):
                evidence = component.guard_evidence()
                scale = evidence.pop("scale")
                scales[scale] = {"weight": float(weight), **evidence}
            log = scales["log"]
            return {"guard": self.guard_rule_,
                    "adapt_share": float(sum(e["weight"] * e["adapt_share"]
                                             for e in scales.values())),
                    "loo_rmse_proxy": log["loo_rmse_proxy"],
                    "loo_rmse_adapted": float(np.sqrt(np.mean(self.loo_residuals_ ** 2))),
                    "proxy_srcc": log["proxy_srcc"], "scale": "both", "scales": scales}
        return {"guard": self.guard_rule_, "adapt_share": self.adapt_share_,
                "loo_rmse_proxy": self.loo_rmse_proxy_,
                "loo_rmse_adapted": self.loo_rmse_adapted_, "proxy_srcc": self.proxy_srcc_,
                "scale": "log" if self.pool_.log else "ms"}

    def __sklearn_is_fitted__(self) -> bool:
        return super().__sklearn_is_fitted__() or (
            hasattr(self, "pool_") and getattr(self, "components_", None) is not None)

    def predict_log_basis(self, z: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """Predicted latency in the scale modelled (log latency, or milliseconds before
        ``predict``'s floor) from a precomputed basis of ``pool_`` (:meth:`ProxyPool.basis`;
        ``pool_`` is the pool given, or the same pool in milliseconds)."""
        self._check_fitted()
        if self.components_ is not None:
            raise ValueError("With scale='both' the model is two fits, each on its own basis "
                             "(components_); predict from architectures with predict().")
        return self.intercept_ + z @ self.coef_proxy_ + feats @ self.coef_features_

    def predict(self, X: Sequence[Any]) -> np.ndarray:  # noqa: N803
        """Predicted target latency (ms) of architectures (ids or values), shape ``(n,)``."""
        self._check_fitted()
        if self.components_ is not None:  # one lookup serves both fits
            z_log, z_ms, feats = self.pool_._twin_basis(list(X))
            return self._combine([c._to_ms(c.predict_log_basis(z, feats))
                                  for c, z in zip(self.components_, (z_log, z_ms))])
        z, feats = self.pool_.basis(list(X))
        return self._to_ms(self.predict_log_basis(z, feats))

    def _combine(self, predictions: list[np.ndarray]) -> np.ndarray:
        """``scale="both"``: the components' milliseconds averaged in log latency by
        ``scale_weights_`` (quantiles alike: the average of their quantile functions)."""
        return np.exp(sum(w * np.log(p) for w, p in zip(self.scale_weights_, predictions)))

    def _to_ms(self, values: np.ndarray) -> np.ndarray:
        """The model's scale back to milliseconds. In milliseconds, a linear model can reach 0
        and below far from its samples: values ``v`` under ``floor_ms_`` (``f``) map to
        ``f**2 / (2 f - v)``, positive, in the same order, and with value and slope continuous
        at ``f``."""
        ms = self.pool_.inverse(values)
        floor = getattr(self, "floor_ms_", None)
        if floor is None:
            return ms
        low = ms < floor
        if low.any():
            ms = np.array(ms, dtype=np.float64)
            ms[low] = floor * floor / (2.0 * floor - ms[low])
        return ms

    def predict_quantile(self, X: Sequence[Any], q: float | Sequence[float]  # noqa: N803
                         ) -> np.ndarray:
        """Quantiles of the target latency (ms) under the fitted model's predictive
        distribution: where the measurement of each architecture should land.

        The distribution is Student's t in the pool's scale (log latency by default), centred
        on :meth:`predict`'s value: the residual's posterior variance, which grows away from
        the samples and with fewer of them, plus its noise, scaled so that the samples'
        leave-one-out residuals fit it (``interval_dof_`` degrees of freedom; see
        ``interval_prior_dof``). An architecture outside the pool's table is predicted from its
        features, and the proxies' unknown latency on it is not in the variance.

        Args:
            X: Architectures (ids or values), ``n`` of them.
            q: A probability in (0, 1), or several.

        Returns:
            Milliseconds, shape ``(n,)`` for one ``q``, ``(n, len(q))`` for several.

        Raises:
            NotFittedError: Before ``fit``.
            ValueError: A ``q`` outside (0, 1), or a model saved without its interval state.
        """
        from scipy.stats import t as student_t

        self._check_fitted()
        values = [q] if isinstance(q, (str, bytes)) or np.ndim(q) == 0 else list(q)
        if not values or not all(isinstance(v, (int, float, np.floating)) and
                                 not isinstance(v, bool) and 0 < v < 1 for v in values):
            raise ValueError(f"The 'q' argument must be a probability in (0, 1) or a list of "
                             f"them; got {q!r}.")
        probs = np.asarray(values, dtype=np.float64)
        if self.components_ is not None:
            return self._combine([c.predict_quantile(X, q) for c in self.components_])
        self._check_predictive()
        z, feats = self.pool_.basis(list(X))
        loc = self.predict_log_basis(z, feats)
        var = np.full(len(loc), self.noise_var_)
        coef_cov = getattr(self, "coef_cov_", None)  # None (not saved) without the residual
        if coef_cov is not None:
            psi = np.c_[np.ones(len(loc)), z, feats]
            var += np.einsum("ij,ij->i", psi @ coef_cov, psi)
        sd = np.sqrt(np.clip(var, 0.0, None))
        values = loc[:, None] + sd[:, None] * student_t.ppf(probs, self.interval_dof_)[None, :]
        ms = self._to_ms(values)
        return ms[:, 0] if np.ndim(q) == 0 else ms

    def predict_interval(self, X: Sequence[Any], coverage: float = 0.9  # noqa: N803
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Central predictive interval of the target latency (ms): the
        ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles of
        :meth:`predict_quantile`.

        Args:
            X: Architectures (ids or values).
            coverage: Probability the interval holds the measurement, in (0, 1).

        Returns:
            ``(lower, upper)``, each shape ``(n,)``.

        Raises:
            ValueError: ``coverage`` outside (0, 1).
        """
        check_real("coverage", coverage, low=0.0, high=1.0, low_open=True, high_open=True)
        both = self.predict_quantile(X, [(1 - coverage) / 2, (1 + coverage) / 2])
        return both[:, 0], both[:, 1]

    def posterior_srcc(self, X: Sequence[Any] | None = None, *,  # noqa: N803
                       n_draws: int = 100, max_archs: int = 2000,
                       random_state: np.random.Generator | int | None = 0) -> np.ndarray:
        """How well :meth:`predict` ranks the target, judged by the fit alone: the SRCC of its
        predictions with draws of the target's latencies from the model's joint predictive
        distribution (the one :meth:`predict_quantile` gives per architecture, with the
        coefficients' uncertainty shared across architectures).

        Without measuring anything more, it tells a device the pool knows (0.98-1.0) from
        one it does not: on the devices left out of HELP's nine proxies in turn, K=10, its
        mean follows the measured SRCC with a correlation of 0.973 across NAS-Bench-201's
        devices, within +0.015 / -0.038 of it on every one (FBNet's: 0.966; with ``pixel3``
        alone: 0.858; docs/benchmarks.md, "How good is the fit?"). It is the model's own
        view: optimistic where the target departs from what the pool's prior allows, and
        cautious below ten samples (FBNet most).

        Args:
            X: Architectures (ids or values) to rank; default: the pool's.
            n_draws: Draws of the target's latencies.
            max_archs: At most this many of ``X``, drawn at random, are ranked.
            random_state: Seed or generator of the draws (default 0: the same figures for the
                same fit).

        Returns:
            The ``n_draws`` SRCCs, shape ``(n_draws,)``: their mean is the expected SRCC, a low
            quantile what a bad case looks like.

        Raises:
            NotFittedError: Before ``fit``.
            ValueError: Fewer than 3 architectures, a bad ``n_draws`` or ``max_archs``, or a
                model saved without its predictive distribution.
        """
        self._check_fitted()
        n_draws = check_int("n_draws", n_draws, 2)
        max_archs = check_int("max_archs", max_archs, 3)
        rng = check_random_state(random_state)
        archs = list(self.pool_.archs) if X is None else list(X)
        if len(archs) < 3:
            raise ValueError(f"posterior_srcc ranks at least 3 architectures; got {len(archs)}.")
        if len(archs) > max_archs:
            archs = [archs[i] for i in np.sort(rng.choice(len(archs), max_archs, replace=False))]
        if self.components_ is None:
            z, feats = self.pool_.basis(archs)
            predicted = self.predict_log_basis(z, feats)
            draws = self._draws(z, feats, n_draws, rng)
        else:  # a draw of each fit, averaged in log latency as predict averages the fits
            z_log, z_ms, feats = self.pool_._twin_basis(archs)
            fits = list(zip(self.components_, (z_log, z_ms)))
            predicted = self._combine([c._to_ms(c.predict_log_basis(z, feats)) for c, z in fits])
            draws = self._combine([c._to_ms(c._draws(z, feats, n_draws, rng)) for c, z in fits])
        return np.nan_to_num(srcc_columns(draws.T, predicted), nan=0.0)

    def _check_predictive(self) -> None:
        if getattr(self, "interval_dof_", None) is None:
            raise ValueError(f"This {type(self).__name__} has no predictive distribution (it was "
                             "saved by an older version); fit it again.")

    def _draws(self, z: np.ndarray, feats: np.ndarray, n_draws: int,
               rng: np.random.Generator) -> np.ndarray:
        """``n_draws`` joint draws of the target's latency on a basis, in the scale modelled
        (monotone in milliseconds): multivariate Student's t, as :meth:`predict_quantile`'s
        marginals are, from the coefficients' covariance and the noise."""
        self._check_predictive()
        loc = self.predict_log_basis(z, feats)
        dev = np.sqrt(self.noise_var_) * rng.standard_normal((n_draws, len(loc)))
        coef_cov = getattr(self, "coef_cov_", None)  # None without the residual
        if coef_cov is not None:
            values, vectors = np.linalg.eigh(coef_cov)
            root = np.c_[np.ones(len(loc)), z, feats] @ (vectors
                                                        * np.sqrt(np.clip(values, 0.0, None)))
            dev += rng.standard_normal((n_draws, len(values))) @ root.T
        spread = np.sqrt(self.interval_dof_ / rng.chisquare(self.interval_dof_, n_draws))
        return loc + spread[:, None] * dev


class BestProxyPredictor(AdaProxyPredictor):
    """No adaptation: the proxy with the best SRCC on the samples, affinely rescaled."""

    def __init__(self, pool: ProxyPool | LatencyTable | None = None) -> None:
        super().__init__(pool, residual=False, scale="log")

    def _fit_basis(self, z: np.ndarray, feats: np.ndarray, logy: np.ndarray) -> BestProxyPredictor:
        best = int(np.argmax(_rank_agreement(z, logy)))
        intercepts, slopes, resid = loo_affine_residuals(z[:, [best]], logy)
        self.loo_residuals_ = resid[:, 0]
        self.proxy_weights_ = np.eye(z.shape[1])[best]
        self.best_proxy_ = self.pool_.basis_names[best]  # not saved: a description
        self.coef_proxy_ = self.proxy_weights_ * max(float(slopes[0]), 1e-9)
        self.intercept_ = float(intercepts[0])
        self.coef_features_ = np.zeros(feats.shape[1])
        self.n_samples_ = len(logy)
        self.n_features_in_ = feats.shape[1]
        self.coef_cov_ = None  # the interval: the chosen column's leave-one-out error
        self.noise_var_ = float(np.mean(resid[:, 0] ** 2))
        self.interval_dof_ = float(len(logy))
        return self

    def guard_evidence(self) -> None:
        """None: this baseline never adapts, so there is no decision to report."""
        self._check_fitted()
        return None
