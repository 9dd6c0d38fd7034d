"""The runner that times ONNX networks on a remote board; copied there and run by its Python.

It needs Python 3.8+, NumPy and ONNX Runtime on the board, and nothing else: no PyTorch, no
install of oneproxy-plugins. :mod:`~oneproxy_plugins.measure.remote` copies this file and
``_protocol.py`` (the timing loops the host uses too) into the board's cache directory, then
runs ``python3 _board_runner.py`` there with a job on standard input.

Modes:

* ``--probe``: print one JSON line, the board's identity (``{"type": "identity", ...}``), or
  ``{"type": "missing", "modules": [...]}`` when NumPy or ONNX Runtime cannot be imported.
* default: read one JSON job from standard input and time its networks in interleaved rounds
  beside the reference (the host's protocol, :func:`_protocol.interleave`). Output is JSON
  lines: ``{"type": "visit"}`` after each visit (the host's progress bar), then one
  ``{"type": "arch", "arch": ..., "samples": [[ms, ...], ...], "reference": [[ms, ...], ...]}``
  (or ``"error": reason``) per network, then ``{"type": "done"}``. Raw timings only: the host
  computes the ratios and summaries, with the same code as for its own measurements.

Job keys: ``models`` (architecture id -> ONNX file name in the cache directory), ``reference``
(file name), ``runtime`` (``"ort"``), ``threads``, ``input_shape``, ``n_rounds``,
``n_warmup``, ``n_repeats``, ``budget_s``, ``seed``.
"""

import json
import os
import platform
import sys

REQUIRED = ("numpy", "onnxruntime")


def _emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def _read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""


def _cpu_model():
    for line in _read("/proc/cpuinfo").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware", "cpu model"):
            return value.strip()
    return platform.processor() or platform.machine()


def identity():
    """What the board is: kernel, CPU, runtime versions, CPU frequency governor if readable."""
    import numpy
    import onnxruntime

    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").strip()
    boot_id = _read("/proc/sys/kernel/random/boot_id").strip()
    return {"boot_id": boot_id or None, "type": "identity", "uname": " ".join(platform.uname()), "cpu_model": _cpu_model(),
            "n_cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "onnxruntime": onnxruntime.__version__,
            "governor": governor or None}


def _missing():
    missing = []
    for module in REQUIRED:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return missing


def ort_session(model, threads):
    """An ONNX Runtime session on the CPU: ``threads`` intra-op threads, one inter-op thread,
    sequential execution. ``model`` is a path or the ONNX bytes. The one place these settings
    live: the host's ``cpu-ort`` runtime uses it too, so a board and this host run alike."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _runner(path, threads, x):
    session = ort_session(path, threads)
    feed = {session.get_inputs()[0].name: x}

    def run():
        return session.run(None, feed)

    run()  # a network that cannot run fails here, not mid-round
    return run


def run_job(job):
    """Time the job's networks; emit the records described in the module docstring."""
    import numpy as np

    import _protocol

    if job.get("runtime", "ort") != "ort":
        raise ValueError("this runner knows the runtime 'ort' only; got {!r}".format(
            job.get("runtime")))
    threads = int(job["threads"])
    rng = np.random.default_rng(int(job["seed"]))
    x = rng.standard_normal(tuple(job["input_shape"])).astype(np.float32)
    reference = _runner(job["reference"], threads, x)
    runners, errors = {}, {}
    for arch, path in job["models"].items():
        try:
            runners[arch] = _runner(path, threads, x)
        except Exception as exc:  # recorded, the others go on
            errors[arch] = _protocol.reason(exc)
    samples, ref_samples, run_errors = _protocol.interleave(
        runners, reference, int(job["n_rounds"]), int(job["n_warmup"]), int(job["n_repeats"]),
        float(job["budget_s"]), seed=int(job["seed"]), on_visit=lambda _key: _emit(
            {"type": "visit"}))
    errors.update(run_errors)
    for arch in job["models"]:
        if arch in errors:
            _emit({"type": "arch", "arch": arch, "error": errors[arch]})
        else:
            _emit({"type": "arch", "arch": arch,
                   "samples": [runs.tolist() for runs in samples[arch]],
                   "reference": [runs.tolist() for runs in ref_samples[arch]]})
    _emit({"type": "done"})


def main(argv):
    missing = _missing()
    if missing:
        _emit({"type": "missing", "modules": missing, "python": sys.executable})
        return 3
    if "--probe" in argv:
        _emit(identity())
        return 0
    # Model paths in the job are relative to the working directory: the board's cache.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        run_job(json.loads(sys.stdin.readline()))
    except Exception as exc:
        import _protocol

        _emit({"type": "failed", "error": _protocol.reason(exc)})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
