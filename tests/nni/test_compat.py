"""Tests of oneproxy_plugins.nni._compat and the package facade: NNI stays optional."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import pytest

from oneproxy_plugins.nni._compat import check_filelock

WITHOUT_NNI = textwrap.dedent("""
    import sys
    sys.modules["nni"] = None  # as if NNI were not installed
    import oneproxy_plugins, oneproxy_plugins.nni
    assert "nni" not in sys.modules or sys.modules["nni"] is None
    from oneproxy_plugins.nni.hub import sample_to_arch_id  # pure mapping, no NNI needed
    for name in ("OneProxyProfiler", "OneProxyStrategy", "OneProxyTuner", "FBNetModelSpace"):
        try:
            getattr(oneproxy_plugins.nni, name)
        except ImportError as exc:
            print(name, exc)
        else:
            raise SystemExit(name + " imported without NNI")
""")


class TestOptionalNNI:
    def test_missing_nni_names_the_extra(self):
        out = subprocess.run([sys.executable, "-c", WITHOUT_NNI], capture_output=True,
                             text=True, timeout=120, check=True).stdout
        lines = out.strip().splitlines()
        assert len(lines) == 4
        for line in lines:
            assert "install it with: pip install 'oneproxy-plugins[nni]'" in line

    def test_import_oneproxy_plugins_does_not_import_nni(self):
        code = ("import sys, oneproxy_plugins, oneproxy_plugins.nni; "
                "print('nni' in sys.modules)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120, check=True).stdout
        assert out.strip() == "False"

    def test_unknown_attribute(self):
        import oneproxy_plugins.nni as facade

        with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
            facade.Nope  # noqa: B018
        assert "OneProxyStrategy" in dir(facade)

    def test_facade_names(self):
        pytest.importorskip("nni")
        import oneproxy_plugins.nni as facade
        from oneproxy_plugins.nni.strategy import OneProxyStrategy

        assert facade.OneProxyStrategy is OneProxyStrategy
        assert all(getattr(facade, name) is not None for name in facade.__all__)


class TestCheckFilelock:
    def test_compatible(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert check_filelock("3.11.0")

    def test_too_new_warns_with_the_fix(self):
        with pytest.warns(RuntimeWarning, match=r"NNI 3\.0 needs filelock<3\.12 but filelock "
                                                r"4\.3\.1 is installed: NasExperiment\.run\(\) "
                                                r".* pip install 'filelock<3\.12'"):
            assert not check_filelock("4.3.1")
