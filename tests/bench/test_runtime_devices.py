"""``benchmarks/runtime_devices.py``: runtimes of one host as devices (SRCC, AdaProxy pairs)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from oneproxy_plugins.monotonicity import srcc


@pytest.fixture(scope="module")
def script(benchmark_script):
    return benchmark_script("runtime_devices")


@pytest.fixture()
def tables(tmp_path, synthetic_nb201):
    """Three one-device results tables as ``oneproxy measure`` writes them (arch,<device>),
    over 200 architectures, one of them missing from the last file."""
    table, _ = synthetic_nb201
    paths = []
    for device in ("gpu_a", "gpu_b", "odd"):
        sub = table.select([device], archs=table.archs[:200 if device != "odd" else 199])
        paths.append(tmp_path / f"{device}.csv")
        sub.to_csv(paths[-1])
    return table, [str(p) for p in paths]


class TestRuntimeDevices:
    def test_joins_on_common_architectures_and_scores_every_ordered_pair(self, script, tables):
        table, paths = tables
        result = script.run(paths, samples=10, repeats=3)
        assert result["n_archs"] == 199 and result["devices"] == ["gpu_a", "gpu_b", "odd"]
        matrix = np.array(result["srcc_matrix"])
        np.testing.assert_allclose(np.diag(matrix), 1.0)
        np.testing.assert_allclose(matrix, matrix.T)
        rows = table.rows_of(table.archs[:199])
        assert matrix[0, 1] == pytest.approx(srcc(table.column("gpu_a")[rows],
                                                  table.column("gpu_b")[rows]), abs=1e-4)
        assert set(result["pairs"]) == {f"{p} -> {t}" for p in result["devices"]
                                        for t in result["devices"] if p != t}
        alike = result["pairs"]["gpu_a -> gpu_b"]
        assert len(alike["srcc"]) == 3 and alike["worst"] == min(alike["srcc"])
        assert alike["mean"] > 0.9 and alike["proxy_mean"] > 0.9
        # an unrelated proxy ranks the target badly; ten samples fix most of it
        unlike = result["pairs"]["gpu_a -> odd"]
        assert unlike["proxy_mean"] < 0.5 and unlike["mean"] > unlike["proxy_mean"] + 0.2

    def test_scored_on_the_architectures_not_sampled(self, script, tables):
        from oneproxy_plugins.adaproxy import ProxyPool, make_adapter
        from oneproxy_plugins.sampling import select_samples

        joined = script.load(tables[1])
        scores = script.adapt_pair(joined, "gpu_a", "odd", samples=5, repeats=2)
        pool = ProxyPool(joined, ["gpu_a"])
        y = joined.column("odd")
        for seed in (0, 1):
            chosen = select_samples(pool, 5, random_state=seed)
            held = [a for a in joined.archs if a not in chosen]
            model = make_adapter("adaproxy", pool).fit(chosen, y[joined.rows_of(chosen)])
            assert len(held) == len(joined) - 5
            assert scores["srcc"][seed] == pytest.approx(
                srcc(model.predict(held), y[joined.rows_of(held)]), abs=1e-12)

    @pytest.mark.needs("matplotlib")
    def test_main_writes_json_heatmap_and_markdown(self, script, tables, tmp_path, capsys):
        _, paths = tables
        out, png = tmp_path / "r.json", tmp_path / "h.png"
        script.main([*paths, "--repeats", "2", "--json", str(out), "--heatmap", str(png)])
        printed = capsys.readouterr().out
        assert "| `gpu_a` -> `odd` |" in printed and "| SRCC | `gpu_a` |" in printed
        assert json.loads(out.read_text())["repeats"] == 2
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
