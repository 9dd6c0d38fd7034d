"""The layers hold: the core knows no host, and each host adapter loads no other host.

Each check runs in a fresh interpreter (the test process has imported everything) and lists
the heavy or host modules that a piece of user code loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

WATCHED = ("optuna", "nni", "torch", "matplotlib", "plotly", "pytorch_lightning", "onnxruntime",
           "openvino")

PROXY = """
from oneproxy_plugins.predictors import RidgePredictor
from oneproxy_plugins.spaces import get_space
space = get_space("nasbench201")
ids = [space.to_id(a) for a in space.sample_many(60, rng=0)]
proxy = RidgePredictor(space="nasbench201").fit(ids, [1.0 + i.count("conv") for i in ids])
"""


def _loaded(code: str) -> set[str]:
    """The watched top-level modules loaded by fitting a proxy predictor (``proxy``, on the
    architecture ids ``ids``) and running ``code``, in a fresh interpreter."""
    script = PROXY + textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys, warnings
        print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({WATCHED!r}))))
    """)
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", script], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_core_loads_no_host_and_no_heavy_dependency():
    loaded = _loaded("""
        import numpy as np
        import oneproxy_plugins
        from oneproxy_plugins import cli, fronts, monotonicity, sampling
        from oneproxy_plugins.adaproxy import ProxyPool, make_adapter
        from oneproxy_plugins.latency import LatencyCache, LatencyTable, TableLatency
        table = LatencyTable(ids, ["cpu", "gpu"],
                             np.c_[proxy.predict(ids), proxy.predict(ids) ** 1.1 + 1],
                             space="nasbench201")
        pool = ProxyPool(table)
        chosen = sampling.select_samples(pool, 5, random_state=0)
        model = make_adapter("adaproxy", pool).fit(chosen, table.column("gpu")[:5] + 1)
        LatencyCache(TableLatency(table, "gpu")).predict(ids[:3])
        fronts.pareto_mask(np.c_[model.predict(ids), proxy.predict(ids)])
        monotonicity.srcc_matrix(table)
    """)
    assert loaded == set()


@pytest.mark.needs("nni")
def test_the_nni_side_loads_no_optuna():
    loaded = _loaded("""
        from nni.nas.hub.pytorch import NasBench201
        from nni.nas.strategy import Random
        from oneproxy_plugins.nni import LatencyFilter, OneProxyProfiler, OneProxyStrategy
        profiler = OneProxyProfiler(NasBench201(), proxy)
        profiler.profile({"cell/0_1": "conv_3x3", "cell/0_2": "none", "cell/1_2": "conv_3x3",
                          "cell/0_3": "none", "cell/1_3": "none", "cell/2_3": "skip_connect"})
        LatencyFilter(proxy, max_ms=5.0)
        OneProxyStrategy(Random(), proxy, max_ms=5.0)
    """)
    assert "nni" in loaded and "optuna" not in loaded


@pytest.mark.needs("optuna")
def test_the_optuna_side_loads_no_nni():
    loaded = _loaded("""
        import optuna
        from oneproxy_plugins.optuna import (LatencyConstraint, OneProxyObjective,
                                             ProxyConstrainedSampler, pareto_front_for)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        constraint = LatencyConstraint(proxy, max_ms=5.0)
        study = optuna.create_study(directions=["maximize", "minimize"],
                                    sampler=ProxyConstrainedSampler(
                                        optuna.samplers.TPESampler(seed=0), constraint))
        study.optimize(OneProxyObjective(lambda t, a: 1.0, proxy, constraint=constraint,
                                         targets={"gpu": proxy}), n_trials=3)
        pareto_front_for(study, "gpu")
    """)
    assert "optuna" in loaded and not loaded & {"nni", "torch", "matplotlib", "plotly"}


def test_no_import_cycles():
    """No module of the package imports one that imports it back, at import time or inside a
    function; the registry's lazy lookups of the built-ins (plugins._builtin) and the
    package's lazy facade are the only calls back up, and are excluded by design."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "oneproxy_plugins"
    modules = {}
    for path in root.rglob("*.py"):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        if name in ("oneproxy_plugins", "oneproxy_plugins.plugins._builtin"):
            continue
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "oneproxy_plugins"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    graph[name].add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names
                                   if a.name.startswith("oneproxy_plugins."))
    # a module importing its own package's __init__ is how Python imports it: not a cycle
    graph = {m: {t for t in ts if t in modules and not m.startswith(t + ".")}
             for m, ts in graph.items()}
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" -> ".join([*path, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert not cycles, "\n".join(cycles[:5])


def _runtime_nodes(tree):
    """Every node of a module but those under ``if TYPE_CHECKING:`` (never imported)."""
    import ast

    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING":
                continue
            stack.append(child)
