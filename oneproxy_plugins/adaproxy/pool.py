"""`ProxyPool`: the proxy devices measured in full, the basis every adapter builds on.

A pool holds the proxies' latencies of every architecture they were measured on, standardised
in log space, the space's latency features of those architectures, and what the adapters
derive from them once: each proxy's denoised linear fit, the analytic cost proxies (FBNet's
MACs), the pool-learned prior of a device's linear latency weights. Adapters and the sample
choosers read it through its public methods and attributes only.

Example:
    >>> import numpy as np
    >>> from oneproxy_plugins.latency import LatencyTable
    >>> from oneproxy_plugins.spaces import get_space
    >>> space = get_space("nasbench201")
    >>> archs = [space.to_id(a) for a in space.sample_many(50, rng=0)]
    >>> x = space.encode_many(archs)[:, :30]
    >>> pool = ProxyPool(LatencyTable(archs, ["cpu", "gpu"],
    ...                               np.c_[1 + x @ np.linspace(0.1, 1, 30),
    ...                                     1 + x @ np.linspace(1, 0.1, 30)], space=space.name))
    >>> pool.basis_names, archs[0] in pool
    (['cpu', 'gpu', 'cpu~fit', 'gpu~fit'], True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from oneproxy_plugins._checks import check_choice
from oneproxy_plugins.exceptions import DataFormatError, UnknownDeviceError
from oneproxy_plugins.latency.table import LatencyTable
from oneproxy_plugins.spaces import BaseSpace, get_space

__all__ = ["ProxyPool", "PriorPools", "FEATURE_SETS", "ANALYTIC_PROXIES", "PRIOR_DEVICES",
           "prior_devices_json"]

FEATURE_SETS = ("latency", "encoding")
"""Feature sets a :class:`ProxyPool` models latency on (its ``feature_set`` argument)."""

ANALYTIC_PROXIES = ("cost[macs]",)
"""Latency features that a :class:`ProxyPool` also uses as analytic proxy devices (their log)."""

_SMALL_SPACE = 20_000
"""A space of at most this many architectures (NAS-Bench-201's 15,625) has the basis of all of
them built once, once 5,000 lookups have missed the table (see ``ProxyPool._space_basis``)."""
_SPACE_BUILD_AFTER = 5_000


def _lookup(index: Mapping[str, int], archs: Sequence[Any], missing: int = -1) -> np.ndarray:
    """``index``'s row of each architecture given as an id, ``missing`` for the rest."""
    try:  # every one an id of the index (a prediction over the table's own cells): one C loop
        return np.fromiter(map(index.__getitem__, archs), dtype=np.int64, count=len(archs))
    except (KeyError, TypeError):  # a cell outside it, or an architecture given as a value
        pass
    get = index.get
    return np.fromiter((get(a, missing) if isinstance(a, str) else missing for a in archs),
                       dtype=np.int64, count=len(archs))


class ProxyPool:
    """Proxy devices measured in full, the basis that adapters build on.

    Args:
        table: Latencies of the proxy devices. Rows missing any proxy are dropped from the pool.
        devices: Which columns of ``table`` are proxies (default: all).
        space: Space of the table's ids (default: ``table.space``).
        log: Model log latency (default) rather than milliseconds (what the sample choosers
            and the paper's adapters use; :class:`AdaProxyPredictor` models in its own
            ``scale``, through :meth:`in_scale`).
        smooth: Add each proxy's ridge fit on the features as a denoised basis column.
        feature_set: ``"latency"`` (default): the space's latency features
            (``space.encode_latency_many`` where the space defines it, e.g. NAS-Bench-201's
            encoding plus live-path op counts, FBNet's encoding plus analytic MACs, weights
            and activations; otherwise its encoding); ``"encoding"``: the
            space's :meth:`~oneproxy_plugins.spaces.BaseSpace.encode_many` alone.
        prior_devices: More devices of ``table`` whose linear latency weights join the
            proxies' in :meth:`weight_prior` (the prior of how a target device's latency
            moves with the features), each fitted on the pool's architectures it is measured
            on (more than there are features), and whose linear fits (:meth:`prior_fits`)
            :class:`AdaProxyPredictor` weighs beside the basis. They are not basis columns, so
            they may be measured on part of the pool only (OneProxy's 1,999 cells); a proxy
            among them counts once. Never the target itself. Default: none (the proxies alone);
            ``oneproxy adapt`` and ``oneproxy bench fewshot`` pass every other device of the
            data measured on enough of the pool (:meth:`prior_candidates`) unless told
            ``--prior-devices none``.

    A latency feature named in :data:`ANALYTIC_PROXIES` (FBNet's ``cost[macs]``, the network's
    multiply-accumulates) is also a basis column after the proxies and their fits, named like
    the feature: its standardised logarithm, an analytic proxy device whose latency is its
    compute. Leave-one-out over FBNet's six CPU and phone proxies (K=10, 10 repeats): mean
    SRCC 0.863 -> 0.864 (all architectures), 0.862 -> 0.874 (HELP split).

    Architectures outside the table get proxy latencies from a ridge model of each proxy on
    the features, fitted on the table (log latency), so adapters also predict unseen ones.

    Raises:
        UnknownDeviceError: A device (or prior device) is not a column of ``table``.
        ValueError: No architecture is measured on every proxy, a proxy column is constant, an
            unknown ``feature_set``, or a prior device measured on too few of the pool's
            architectures.
    """

    def __init__(self, table: LatencyTable, devices: Sequence[str] | None = None,
                 space: str | BaseSpace | None = None, *, log: bool = True,
                 smooth: bool = True, feature_set: str = "latency",
                 prior_devices: Sequence[str] = (),
                 _encoded: tuple[list[str], np.ndarray] | None = None,
                 _prior_ms: tuple[list[str], np.ndarray] | None = None) -> None:
        # _prior_ms: (archs, prior devices' ms on them) of a pool this one is derived from
        # _encoded: (archs, their features) of a pool this one is derived from (another
        # scale, companion columns), reused where the architectures are the same, in order
        if not isinstance(table, LatencyTable):
            raise TypeError(f"The 'table' argument must be a LatencyTable; got "
                            f"{type(table).__name__}.")
        devices = list(devices) if devices is not None else table.devices
        if not devices:
            raise ValueError("The proxy pool needs at least one proxy device.")
        for d in devices:
            if d not in table:
                raise UnknownDeviceError(d, table.devices)
        space = space if space is not None else table.space
        if space is None:
            raise ValueError("The proxy table has no space; pass space=<name>.")
        check_choice("feature_set", feature_set, FEATURE_SETS)
        self.space = get_space(space)
        self.feature_set = feature_set
        has_latency = hasattr(self.space, "encode_latency_many")
        self._latency_features = feature_set == "latency" and has_latency
        self.n_encoding = len(self.space.feature_names())
        self.feature_names = (self.space.latency_feature_names() if self._latency_features
                              else self.space.feature_names())
        sub = table.select(devices).dropna()
        if len(sub) < 3:
            raise ValueError(f"Only {len(sub)} architectures are measured on every proxy of "
                             f"{devices}; the pool needs at least 3.")
        self.devices = devices
        self.archs = sub.archs
        self._row = {a: i for i, a in enumerate(self.archs)}
        self.log = bool(log)
        log = self.forward(sub.values)
        std = log.std(axis=0)
        if (std == 0).any():
            raise ValueError(f"Proxy {devices[int(np.argmin(std))]!r} has constant latencies.")
        self._log_mean = log.mean(axis=0)
        self._log_std = std
        self.z = (log - self._log_mean) / std  # (n, m) standardised log latency
        if _encoded is not None and _encoded[0] == self.archs:
            features = _encoded[1]
        else:
            features = self.encode(self.archs)
        self._encoded = features  # as encoded: what a derived pool reuses, bit for bit
        self._feature_mean = features.mean(axis=0)
        self.features = features - self._feature_mean  # (n, d) centred encoding
        self.feature_gram = self.features.T @ self.features  # (d, d)
        # analytic cost features (FBNet's cost[...]) and their variance, for cost_variance()
        self._costs = [j for j, n in enumerate(self.feature_names) if n.startswith("cost[")]
        self._cost_feature_var = np.maximum(self.features[:, self._costs].var(axis=0), 1e-12)
        # the features weight_prior's boosts apply to: live-path and op counts
        self._live_mask, self._count_mask = (
            np.array([n.startswith(prefix) for n in self.feature_names], float)
            for prefix in ("live[", "count["))
        self._prior: dict[bool, tuple[np.ndarray, np.ndarray]] = {}  # by with_prior_devices
        self._weight_priors: dict[tuple[bool, float, float, float],
                                  tuple[np.ndarray, np.ndarray]] = {}  # weight_prior's answers
        self._raw_w: np.ndarray | None = None
        self._prior_w: np.ndarray | None = None
        self._prior_fit: np.ndarray | None = None
        self._shared: np.ndarray | None = None
        self._ms_weights: dict[str, np.ndarray] = {}
        self._live_share: np.ndarray | None = None
        self._space_cache: tuple[dict[str, int], np.ndarray, np.ndarray] | bool | None = None
        self._n_missed = 0
        self._other_scale: ProxyPool | None = None
        self.basis_names = list(devices)
        self.smooth = bool(smooth)
        if self.smooth:
            # A proxy's own linear model on the encoding is a denoised copy of it: batch-1 GPU
            # timings are noisy, and the fit can rank a similar device better than the raw
            # column (FBNet: 1080ti_1 raw vs titanx_1 SRCC 0.946, its fit 0.994).
            self._smooth_w = self._ridge(self.z)
            fitted = self.features @ self._smooth_w
            self._smooth_mean, self._smooth_std = fitted.mean(axis=0), fitted.std(axis=0) + 1e-12
            self.z = np.c_[self.z, (fitted - self._smooth_mean) / self._smooth_std]
            self.basis_names += [f"{d}~fit" for d in devices]
        self._set_prior_devices(table, prior_devices, _prior_ms)
        self._analytic = [j for j, n in enumerate(self.feature_names) if n in ANALYTIC_PROXIES]
        if self._analytic:
            log_cost = self._log_cost(self.features)
            self._cost_mean, self._cost_std = log_cost.mean(axis=0), log_cost.std(axis=0) + 1e-12
            self.z = np.c_[self.z, (log_cost - self._cost_mean) / self._cost_std]
            self.basis_names += [self.feature_names[j] for j in self._analytic]

    def _set_prior_devices(self, table: LatencyTable, names: Sequence[str],
                           given: tuple[list[str], np.ndarray] | None) -> None:
        """:attr:`prior_devices` and their milliseconds on the pool's architectures (NaN where
        not measured), checked: each in ``table``, measured on more of them than there are
        features."""
        if isinstance(names, str):
            raise TypeError(f"prior_devices must be a sequence of device names; got the str "
                            f"{names!r} (wrap one name in a list).")
        names = list(dict.fromkeys(names))
        keep = [j for j, d in enumerate(names) if d not in self.devices]
        names = [names[j] for j in keep]
        if given is not None and given[0] == self.archs:
            ms = given[1][:, keep]  # given for the devices named, in order
        else:
            for d in names:
                if d not in table:
                    raise UnknownDeviceError(d, table.devices)
            rows = table.rows_of(self.archs) if names else np.zeros(0, np.int64)
            ms = np.column_stack([table.column(d)[rows] for d in names] or
                                 [np.empty((len(self.archs), 0))])
        if ms.shape != (len(self.archs), len(names)):
            raise DataFormatError(f"The prior devices' latencies have shape {ms.shape}; "
                                  f"expected {(len(self.archs), len(names))}.")
        counts = np.isfinite(ms).sum(axis=0)
        for d, n in zip(names, counts):
            if not self._enough_for_prior(n):
                raise ValueError(f"Prior device {d!r} is measured on {n} of the pool's "
                                 f"{len(self.archs)} architectures; a prior device needs more "
                                 f"than the {len(self.feature_names)} features.")
        self.prior_devices, self._prior_ms = names, ms

    def prior_candidates(self, table: LatencyTable) -> tuple[list[str], dict[str, int]]:
        """The devices of ``table`` that are not proxies, split into those measured on enough
        of the pool's architectures to be ``prior_devices`` (more than there are features)
        and the others, with how many they are measured on: what ``others`` means for
        ``oneproxy adapt`` and ``oneproxy bench fewshot --prior-devices``."""
        rows = table.rows_of(self.archs)
        counts = {d: int(np.isfinite(table.column(d)[rows]).sum())
                  for d in table.devices if d not in self.devices}
        few = {d: n for d, n in counts.items() if not self._enough_for_prior(n)}
        return [d for d in counts if d not in few], few

    def _enough_for_prior(self, n_measured: int) -> bool:
        """Whether a device measured on ``n_measured`` of the pool's architectures can be a
        prior device: more of them than there are features, for its ridge weights."""
        return n_measured > len(self.feature_names)

    def prior_fit_map(self) -> np.ndarray:
        """The ``prior_devices``' ridge weights on the centred features, each scaled so that
        its fit has unit variance over the pool, ``(len(prior_devices), d)``: :meth:`prior_fits`
        is ``features @ prior_fit_map().T`` (centred with the features; cached, read-only)."""
        if self._prior_fit is None:
            weights = self._prior_weights()
            std = (self.features @ weights.T).std(axis=0)
            std[std == 0] = 1.0
            self._prior_fit = weights / std[:, None]
            self._prior_fit.setflags(write=False)
        return self._prior_fit

    def prior_fits(self, features: np.ndarray) -> np.ndarray:
        """The ``prior_devices``' linear fits at centred ``features`` (:meth:`basis`),
        standardised over the pool, ``(n, len(prior_devices))``: denoised columns like the
        proxies' own fits, known on every architecture, which :class:`AdaProxyPredictor`
        weighs beside the basis (its ``prior_fit_weight``)."""
        if not self.prior_devices:
            return np.empty((len(features), 0))
        return features @ self.prior_fit_map().T

    def _prior_weights(self) -> np.ndarray:
        """Ridge weights ``(len(prior_devices), d)`` of each prior device's centred latency
        (in the pool's scale) on the centred features of the architectures it is measured on:
        the proxies' own weights are fitted the same way, on all of them. (Scaling each
        device's milliseconds to the proxies' mean first was measured and not kept: see
        docs/benchmarks.md, "Prior devices".) Cached, read-only."""
        if self._prior_w is not None:
            return self._prior_w
        out = np.empty((len(self.prior_devices), self.features.shape[1]))
        measured = np.isfinite(self._prior_ms)
        # devices measured on the same architectures share one solve (the full-table ones, or
        # a subset's): a few large products instead of one per device. Grouped by the bytes
        # of each mask (np.unique(axis=0) sorts the masks as records: a tenth of a second)
        groups: dict[bytes, list[int]] = {}
        for j in range(measured.shape[1]):
            groups.setdefault(np.packbits(measured[:, j]).tobytes(), []).append(j)
        for cols in groups.values():
            ok = measured[:, cols[0]]
            a = self.features[ok] - self.features[ok].mean(axis=0)
            y = self.forward(self._prior_ms[np.ix_(ok, cols)])
            out[cols] = np.linalg.solve(a.T @ a + 1e-2 * np.eye(a.shape[1]),
                                        a.T @ (y - y.mean(axis=0))).T
        out.setflags(write=False)
        self._prior_w = out
        return out

    def _log_cost(self, features: np.ndarray) -> np.ndarray:
        """Log of the analytic proxy features from centred features ``(n, d)``."""
        cols = self._analytic
        return np.log(np.clip(features[:, cols] + self._feature_mean[cols], 1e-12, None))

    def encode(self, archs: Sequence[Any]) -> np.ndarray:
        """The pool's features of architectures (not centred), ``(n, len(feature_names))``."""
        if self._latency_features:
            return self.space.encode_latency_many(archs)
        return self.space.encode_many(archs)

    def linear_ms_weights(self, device: str) -> np.ndarray:
        """Least-squares weights of ``device``'s latency (ms) on ``[encoding, 1]`` (cached).

        Only the space's encoding columns (the first ``n_encoding`` features), as the paper's
        proxy predictor uses.
        """
        if device not in self._ms_weights:
            ms = self.latency(self.archs)[:, self.devices.index(device)]
            n = self.n_encoding
            x = np.c_[self.features[:, :n] + self._feature_mean[:n], np.ones(len(self))]
            self._ms_weights[device] = np.linalg.lstsq(x, ms, rcond=None)[0]
        return self._ms_weights[device]

    def _ridge(self, targets: np.ndarray, lam: float = 1e-3) -> np.ndarray:
        a = self.features
        gram = self.feature_gram + lam * len(a) * np.eye(a.shape[1])
        return np.linalg.solve(gram, a.T @ targets)

    def __len__(self) -> int:
        return len(self.archs)

    def __contains__(self, arch: object) -> bool:
        """Whether an architecture id (canonical) is measured on every proxy of the pool."""
        return isinstance(arch, str) and arch in self._row

    @property
    def feature_mean(self) -> np.ndarray:
        """Mean of each feature over the pool, ``(len(feature_names),)``: :attr:`features` are
        centred by it."""
        return self._feature_mean

    def encoding(self, archs: Sequence[Any]) -> np.ndarray:
        """The space's encoding of architectures (not centred), ``(n, n_encoding)``: the first
        ``n_encoding`` features, what the paper's linear proxy predictor uses."""
        _, feats = self.basis(archs)
        n = self.n_encoding
        return feats[:, :n] + self._feature_mean[:n]

    def to_state(self) -> dict[str, Any]:
        """JSON-able description from which :meth:`from_state` rebuilds the same pool."""
        from oneproxy_plugins.predictors.io import encode_value

        return {"space": self.space.name, "devices": list(self.devices),
                "archs": list(self.archs), "log": self.log, "smooth": self.smooth,
                "feature_set": self.feature_set, "n_features": len(self.feature_names),
                "latency_ms": encode_value(self.latency(self.archs), "latency_ms"),
                **({"prior_devices": list(self.prior_devices),
                    "prior_latency_ms": encode_value(self._prior_ms, "prior_latency_ms")}
                   if self.prior_devices else {})}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ProxyPool:
        """Rebuild a pool written by :meth:`to_state` (raises ``KeyError``/``ValueError``).

        Raises:
            DataFormatError: The space now gives the feature set a different number of
                features than the state records.
        """
        from oneproxy_plugins.predictors.io import decode_value

        ms = decode_value(state["latency_ms"], "latency_ms")
        table = LatencyTable(state["archs"], state["devices"], ms, space=state["space"])
        prior = None
        if state.get("prior_devices"):
            prior = (table.archs, decode_value(state["prior_latency_ms"], "prior_latency_ms"))
        pool = cls(table, state["devices"], log=bool(state["log"]), smooth=bool(state["smooth"]),
                   feature_set=state["feature_set"],
                   prior_devices=state.get("prior_devices", ()), _prior_ms=prior)
        n_features = state["n_features"]
        if n_features != len(pool.feature_names):
            raise DataFormatError(
                f"The saved proxy pool has {n_features} features (feature_set "
                f"{pool.feature_set!r}) but space {pool.space.name!r} now gives "
                f"{len(pool.feature_names)}; the file is from an incompatible version of "
                "oneproxy-plugins.")
        return pool

    def in_scale(self, log: bool) -> ProxyPool:
        """This pool modelling log latency (``log=True``) or milliseconds: itself where it
        already does, else the same devices, architectures, features and smoothing in the other
        scale (built once, then kept; both keep each other)."""
        if bool(log) == self.log:
            return self
        if self._other_scale is None:
            table = LatencyTable(self.archs, self.devices, self.latency(self.archs),
                                 space=self.space.name)
            other = self.derived(table, self.devices, log=bool(log))
            other._other_scale, self._other_scale = self, other
        return self._other_scale

    def derived(self, table: LatencyTable, devices: Sequence[str] | None = None, *,
                log: bool | None = None, prior_devices: Sequence[str] | None = None
                ) -> ProxyPool:
        """A pool of ``table``'s ``devices`` (default: all) with this pool's space, smoothing
        and feature set, in ``log`` (default: this pool's scale), with ``prior_devices``
        (default: this pool's); where ``table`` holds this pool's architectures, in order,
        their encoding (and this pool's prior devices' latencies) are reused; other prior
        devices are read from ``table``."""
        same = prior_devices is None
        pool = ProxyPool(table, devices, space=self.space,
                         log=self.log if log is None else bool(log), smooth=self.smooth,
                         feature_set=self.feature_set,
                         prior_devices=self.prior_devices if same else prior_devices,
                         _encoded=(self.archs, self._encoded),
                         _prior_ms=(self.archs, self._prior_ms) if same else None)
        if same and pool.log == self.log and pool.archs == self.archs:
            # the same prior devices on the same features, in the same scale: the same fits
            pool._prior_w, pool._prior_fit = self._prior_w, self._prior_fit
        return pool

    def forward(self, ms: np.ndarray) -> np.ndarray:
        """Milliseconds to the pool's modelling scale (log, or ms itself)."""
        return np.log(ms) if self.log else np.asarray(ms, dtype=np.float64)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        """The pool's modelling scale back to milliseconds."""
        return np.exp(values) if self.log else values

    def __repr__(self) -> str:
        return (f"ProxyPool(space={self.space.name!r}, devices={self.devices!r}, "
                f"n_archs={len(self)})")

    # ------------------------------------------------------------------ lookups
    def rows(self, archs: Sequence[Any]) -> np.ndarray:
        """Pool row of each architecture, -1 where it is not in the pool."""
        get = self._row.get
        out = _lookup(self._row, archs, missing=-2)
        missing = np.flatnonzero(out == -2)
        if len(missing):
            self._n_missed += len(missing)
            cache = self._space_basis(build=self._n_missed >= _SPACE_BUILD_AFTER)
            space_index = cache[0] if cache is not None else {}
            for i in missing:
                a = archs[i]
                # a canonical id of the space outside the table needs no parsing
                out[i] = -1 if isinstance(a, str) and a in space_index else get(
                    self.space.canonical_id(a), -1)
        return out

    def _space_basis(self, build: bool = False
                     ) -> tuple[dict[str, int], np.ndarray, np.ndarray] | None:
        """``(row by canonical id, z, features)`` of every architecture of a small space, the
        table's rows first, built once when ``build`` (None before, for larger spaces, and
        where the table holds the whole space). Parsing and encoding are what predicting
        architectures outside the table costs (the VPU's 1,999 cells: 0.3-0.9 s for the rest
        of NAS-Bench-201's 15,625); with this, predicting them is lookups. Built only once
        many lookups have missed the table (``_SPACE_BUILD_AFTER``), so a few predictions
        outside it do not pay for the whole space."""
        if self._space_cache is None and build:
            size = getattr(self.space, "size", None)
            if not isinstance(size, int) or size > _SMALL_SPACE or size <= len(self):
                self._space_cache = False
            elif self._other_scale is not None and self._other_scale._space_cache:
                # the same pool in the other scale: its index and features, this scale's z
                index, _, features = self._other_scale._space_cache
                self._space_cache = (index, np.r_[self.z, self._fallback_z(
                    features[len(self):])], features)
            else:
                outside = [a for a in map(self.space.to_id, self.space.enumerate())
                           if a not in self._row]
                feats = self.encode(outside) - self._feature_mean
                index = dict(self._row)
                index.update((a, len(self) + i) for i, a in enumerate(outside))
                self._space_cache = (index, np.r_[self.z, self._fallback_z(feats)],
                                     np.r_[self.features, feats])
        return self._space_cache or None

    def basis(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Standardised proxy log latencies ``(n, m)`` and centred features ``(n, d)``."""
        cache = self._space_basis()
        if cache is not None:  # one lookup per architecture, when all are canonical ids
            at = _lookup(cache[0], archs)
            if (at >= 0).all():
                return cache[1][at], cache[2][at]
        rows = self.rows(archs)
        known = rows >= 0
        if known.all():
            return self.z[rows], self.features[rows]
        feats = np.empty((len(archs), self.features.shape[1]))
        z = np.empty((len(archs), self.z.shape[1]))
        feats[known] = self.features[rows[known]]
        z[known] = self.z[rows[known]]
        unknown = np.flatnonzero(~known)
        cache = self._space_basis()
        index = cache[0] if cache is not None else {}
        at = _lookup(index, [archs[i] for i in unknown])
        if cache is not None and (at >= 0).any():
            feats[unknown[at >= 0]] = cache[2][at[at >= 0]]
            z[unknown[at >= 0]] = cache[1][at[at >= 0]]
        rest = unknown[at < 0]
        if len(rest):
            new = self.encode([archs[i] for i in rest]) - self._feature_mean
            feats[rest] = new
            z[rest] = self._fallback_z(new)
        return z, feats

    def _twin_basis(self, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`basis` in this scale and the proxies' part of it in the other
        (:meth:`in_scale`), ``(z, z_other, features)``: one lookup per architecture where the
        table's rows or the space's index hold them all (the two pools share both: one is
        built from the other's architectures, in order, and the space's index once built)."""
        other = self.in_scale(not self.log)
        cache, other_cache = self._space_basis(), other._space_basis()
        if cache is not None and other_cache is not None and cache[0] is other_cache[0]:
            index, z, z_other, features = cache[0], cache[1], other_cache[1], cache[2]
        else:
            index, z, z_other, features = self._row, self.z, other.z, self.features
        at = _lookup(index, archs)
        if (at >= 0).all():
            return z[at], z_other[at], features[at]
        z, features = self.basis(archs)
        return z, other.basis(archs)[0], features

    def _raw_ridge(self) -> np.ndarray:
        """Ridge weights of the raw proxy columns on the features ``(d, m)``: the smoothed
        fits' own weights where the pool smooths, else fitted once and cached."""
        if self.smooth:
            return self._smooth_w
        if self._raw_w is None:
            self._raw_w = self._ridge(self.z[:, :len(self.devices)])
        return self._raw_w

    def _fallback_z(self, features: np.ndarray) -> np.ndarray:
        z = features @ self._raw_ridge()
        if self.smooth:
            z = np.c_[z, (features @ self._smooth_w - self._smooth_mean) / self._smooth_std]
        if self._analytic:
            z = np.c_[z, (self._log_cost(features) - self._cost_mean) / self._cost_std]
        return z

    def shared_deviation(self) -> np.ndarray:
        """Share of each proxy's deviation from its linear model that the other proxies share.

        A proxy's standardised log latency minus its ridge fit on the features is what the
        features do not explain: structure the space's encoding misses, or the device's own
        measurement noise. Regressing it on the other proxies' deviations (least squares over
        the pool) tells them apart: the adjusted R-squared is near 1 where devices share the
        deviation (NAS-Bench-201: 0.1-0.8, cells whose latency is not additive in their ops) and
        near 0 where each device's is its own (FBNet: below 0.2, timing noise around a
        per-layer lookup table). :class:`AdaProxyPredictor` uses it as the prior weight of a raw
        proxy column against its fit. A single-proxy pool (or one with no more architectures
        than proxies) cannot tell: its share is 0.5, the mean of a uniform prior. (Single
        proxies on the validation devices, K=10: 0 and 0.5 give FBNet 0.790 and 0.790,
        NAS-Bench-201 0.966 and 0.967; on the README's demo, PyTorch -> ONNX Runtime on one
        CPU, whose deviations the two runtimes share, 0 lost 0.017.) Cached.

        Returns:
            Array ``(m,)`` in ``[0, 1]``, in :attr:`devices` order.
        """
        if self._shared is None:
            m = len(self.devices)
            raw = self.z[:, :m]
            dev = raw - self.features @ self._raw_ridge()
            n = len(dev)
            shared = np.full(m, 0.5)
            if m > 1 and n > m:
                for p in range(m):
                    others = np.delete(dev, p, axis=1)
                    coef = np.linalg.lstsq(others, dev[:, p], rcond=None)[0]
                    total = float(np.var(dev[:, p]))
                    if total > 0:
                        r2 = 1.0 - float(np.var(dev[:, p] - others @ coef)) / total
                        shared[p] = 1.0 - (1.0 - r2) * (n - 1) / (n - m)  # adjusted
            self._shared = np.clip(shared, 0.0, 1.0)
        return self._shared

    def cost_variance(self, cov: np.ndarray) -> np.ndarray:
        """Prior variance, per feature, that lets each analytic cost alone explain as much.

        The pool's prior (``cov``, from :meth:`weight_prior`) spans how the proxies' latency
        moves; a target unlike all of them, an accelerator bound by weight or activation
        traffic, moves along an analytic cost (FBNet's ``cost[...]`` features: MACs, weights,
        activations) that no proxy follows, and is outside it. For each ``cost[...]`` feature
        ``j``, the variance ``v_j`` such that ``v_j * var(x_j)`` equals the mean variance the
        prior gives a latency, ``trace(cov @ features.T @ features) / n``; zero for the other
        features and for spaces without costs.

        Returns:
            Array ``(len(feature_names),)``.
        """
        out = np.zeros(len(self.feature_names))
        if self._costs:
            unit = float(np.sum(cov * self.feature_gram)) / len(self)
            out[self._costs] = unit / self._cost_feature_var
        return out

    def live_path_share(self) -> np.ndarray:
        """Share of each proxy's latency that the encoding leaves unexplained and the live-path
        op counts explain: how far its latency follows the ops on input-output paths.

        The R-squared of a ridge fit of the proxy's standardised log latency on the features
        without the ``live[...]`` columns (NAS-Bench-201's counts of ops on live paths) and
        with them, ``(r2_with - r2_without) / (1 - r2_without)``. On the shared tables it splits
        the devices in two: 0.015-0.071 for every one of HELP's, 0.12-0.69 for every one of
        the 1,999-cell subset's (nn-Meter, Eagle, HW-NAS-Bench). It measures how much the
        live-path counts explain, not the runtime itself: timed directly (cells that differ
        only in ops on no path), ``pixel3`` (TFLite) prunes in part and ``hwnasbench_edgegpu``
        runs them. Zero in spaces without live-path features. Cached.

        Returns:
            Array ``(m,)`` in ``[0, 1]``, in :attr:`devices` order.
        """
        if self._live_share is None:
            live = np.array([n.startswith("live[") for n in self.feature_names])
            share = np.zeros(len(self.devices))
            if live.any():
                raw = self.z[:, :len(self.devices)]

                def r2(features: np.ndarray) -> np.ndarray:
                    gram = features.T @ features + 1e-3 * len(features) * np.eye(
                        features.shape[1])
                    resid = raw - features @ np.linalg.solve(gram, features.T @ raw)
                    return 1.0 - resid.var(axis=0) / raw.var(axis=0)

                without, with_live = r2(self.features[:, ~live]), r2(self.features)
                share = (with_live - without) / np.clip(1.0 - without, 1e-12, None)
            self._live_share = np.clip(share, 0.0, 1.0)
        return self._live_share

    def denoised_columns(self) -> np.ndarray:
        """Indices of the basis columns that are not raw proxy columns: the smoothed fits and
        the analytic proxies (all columns of a pool without smoothing)."""
        start = len(self.devices) if self.smooth else 0
        return np.arange(start, self.z.shape[1])

    def latency(self, archs: Sequence[Any]) -> np.ndarray:
        """Proxy latencies (ms) ``(n, m)``: measured where known, predicted otherwise."""
        z, _ = self.basis(archs)
        return self.inverse(z[:, :len(self.devices)] * self._log_std + self._log_mean)

    def weight_prior(self, eps: float = 0.1, count_boost: float = 3.0, live_boost: float = 0.0,
                     with_prior_devices: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Gaussian prior ``(mean, cov)`` of a device's linear log-latency weights.

        The mean and covariance of the proxies' own ridge weights on the encoding (log
        latency, or milliseconds in a pool that models them; one solve for all proxies), and
        of the ``prior_devices``' weights, plus ``eps`` times the average variance on the
        diagonal. With fewer than three such devices the pool says little about how devices
        differ: the covariance is then isotropic. With fewer than three proxies the op-count
        features (``count[...]`` columns of the encoding) get ``count_boost`` times the
        average variance more, since how many convolutions a network has moves latency on
        every device. (Single proxy ``pixel3`` on
        NAS-Bench-201's validation devices: SRCC 0.908 without the boost, 0.928 with 3. With
        nine proxies the boost gains nothing on NAS-Bench-201 and costs 0.02 on FBNet's HELP
        split, so it is not applied there.) The greedy sampler uses the default 3;
        :class:`AdaProxyPredictor` fits with its own ``count_boost`` (30). ``live_boost`` does
        the same on the live-path op counts (``live[...]`` features, NAS-Bench-201's), with
        any number of proxies, where a device whose latency follows the ops actually run (a
        runtime that prunes the rest) differs from the proxies (default 0;
        :class:`AdaProxyPredictor` averages its own candidates per target, see its
        ``live_boost``). ``with_prior_devices=False`` leaves the ``prior_devices`` out (the
        proxies' prior; the sample choosers use it, and the adapter averages over both, see
        its ``device_prior``).
        """
        key = bool(with_prior_devices and self.prior_devices)
        args = (key, float(eps), float(count_boost), float(live_boost))
        if args in self._weight_priors:  # an adapter asks for the same few per fit
            return self._weight_priors[args]
        if key not in self._prior:
            a = self.features
            gram = self.feature_gram + 1e-2 * np.eye(a.shape[1])
            log = self.z[:, :len(self.devices)] * self._log_std  # centred log latency
            weights = np.linalg.solve(gram, a.T @ log).T  # (m, d)
            if key:
                weights = np.r_[weights, self._prior_weights()]
            mean = weights.mean(axis=0)
            if len(weights) >= 3:
                cov = np.cov(weights, rowvar=False)
            else:
                cov = np.eye(a.shape[1]) * float(np.mean(weights ** 2))
            self._prior[key] = (mean, cov)
        mean, cov = self._prior[key]
        scale = float(np.mean(np.diag(cov))) or 1.0
        boost = live_boost * self._live_mask
        if len(self.devices) < 3:
            boost = boost + count_boost * self._count_mask
        prior = (mean, cov + scale * np.diag(eps + boost))
        for array in prior:
            array.setflags(write=False)  # shared by every caller
        if len(self._weight_priors) < 64:
            self._weight_priors[args] = prior
        return prior


PRIOR_DEVICES = ("none", "others")
"""The named choices of a benchmark's ``prior_devices`` (:class:`PriorPools`); a list of
devices is the third."""


def prior_devices_json(rule: str | Sequence[str]) -> str | list[str]:
    """A ``prior_devices`` rule as a benchmark's JSON records it: a named rule as is, a list
    of devices as a list."""
    return rule if isinstance(rule, str) else list(rule)


class PriorPools:
    """One pool with the prior devices a rule names, each use leaving out the devices it must
    not see (the target scored, and any device left out with it).

    What the benchmarks adapt with: a device scored must not be in its own prior, so every
    target gets the pool's proxies with the prior devices less itself (one
    :meth:`ProxyPool.derived` per distinct set, built once).

    Args:
        pool: The proxies, without prior devices.
        table: The table the prior devices' latencies are read from.
        rule: ``"others"`` (every device of ``table`` that is not a proxy and is measured on
            more of the pool's architectures than there are features; the others are in
            :attr:`skipped` with their counts), ``"none"``, or a list of devices.

    Raises:
        ValueError: ``rule`` is a str other than those of :data:`PRIOR_DEVICES`.
        UnknownDeviceError: A listed device is not in ``table``.
    """

    def __init__(self, pool: ProxyPool, table: LatencyTable,
                 rule: str | Sequence[str]) -> None:
        self.pool, self.table = pool, table
        self.skipped: dict[str, int] = {}
        if isinstance(rule, str):
            check_choice("prior_devices", rule, PRIOR_DEVICES)
            names = pool.prior_candidates(table) if rule == "others" else ([], {})
            self.names, self.skipped = names
        else:
            self.names = list(rule)
            for device in self.names:
                if device not in table:
                    raise UnknownDeviceError(device, table.devices)
        self._pools: dict[tuple[str, ...], ProxyPool] = {}

    def without(self, exclude: Sequence[str]) -> ProxyPool:
        """The pool with the prior devices less ``exclude`` and the proxies (the pool itself
        where none is left)."""
        prior = tuple(d for d in self.names if d not in exclude and d not in self.pool.devices)
        if not prior:
            return self.pool
        if prior not in self._pools:
            self._pools[prior] = self.pool.derived(self.table, self.pool.devices,
                                                   prior_devices=prior)
        return self._pools[prior]
