"""Write docs/api.md, the API reference, from the package's docstrings.

Usage:
    python tools/apidoc.py            # rewrite docs/api.md
    python tools/apidoc.py --check    # exit 1 when docs/api.md is not what the code says

Each public module's ``__all__`` is documented in order: the module's summary, then every class
(constructor signature, docstring, public methods and properties) and function (signature,
docstring). Google-style sections become Markdown lists; docstring examples become ``pycon``
blocks (they run as doctests in ``tests/test_doctests.py``). ``tests/test_api_docs.py`` fails
when the page is stale.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "api.md"

MODULES = [
    "oneproxy_plugins.spaces",
    "oneproxy_plugins.latency",
    "oneproxy_plugins.latency.sources",
    "oneproxy_plugins.fronts",
    "oneproxy_plugins.measure",
    "oneproxy_plugins.measure.remote",
    "oneproxy_plugins.measure.campaign",
    "oneproxy_plugins.targets",
    "oneproxy_plugins.predictors",
    "oneproxy_plugins.monotonicity",
    "oneproxy_plugins.adaproxy",
    "oneproxy_plugins.adaproxy.joint",
    "oneproxy_plugins.sampling",
    "oneproxy_plugins.optuna",
    "oneproxy_plugins.optuna.search",
    "oneproxy_plugins.optuna.visualization",
    "oneproxy_plugins.optuna.visualization.matplotlib",
    "oneproxy_plugins.nni",
    "oneproxy_plugins.plugins",
    "oneproxy_plugins.viz",
    "oneproxy_plugins.viz.pareto",
    "oneproxy_plugins.digits",
    "oneproxy_plugins.demo",
    "oneproxy_plugins.exceptions",
]
"""Documented modules, in the page's order."""

SECTIONS = ("Args", "Arguments", "Returns", "Yields", "Raises", "Attributes", "Warns", "Note",
            "Notes", "Example", "Examples", "See Also")
_ROLE = re.compile(r":(?:class|func|meth|attr|data|mod|exc|obj):`~?([^`]+)`")


def _roles(text: str) -> str:
    """``:class:`~a.b.C``` -> ```C```; ``x`` (reST literal) -> `x`."""
    text = _ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", text)
    return text.replace("``", "`")


def _signature(obj: object, name: str) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(...)"
    params = [p.replace(annotation=_Annotation(p.annotation))
              if isinstance(p.annotation, str) else p
              for p in sig.parameters.values() if p.name != "self"]
    sig = sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    return f"{name}{sig}"


class _Annotation:
    """A string annotation shown without quotes."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _docstring(doc: str | None) -> list[str]:
    """Markdown lines of a Google-style docstring."""
    if not doc:
        return ["*(undocumented)*", ""]
    out: list[str] = []
    section = None
    item: list[str] = []
    in_example = False

    def flush() -> None:
        if item:
            out.append("- " + " ".join(s.strip() for s in item))
            item.clear()

    for raw in inspect.cleandoc(doc).splitlines():
        stripped = raw.strip()
        header = stripped[:-1] if stripped.endswith(":") else None
        if raw == stripped and header in SECTIONS:
            flush()
            if in_example:
                out += ["```", ""]
                in_example = False
            section = header
            out += [f"**{section}**", ""]
            if section in ("Example", "Examples"):
                out.append("```pycon")
                in_example = True
            continue
        if in_example:
            if raw and raw == stripped and not stripped.startswith((">>>", "...")):
                out += ["```", ""]  # the example ended: back to prose
                in_example = False
                section = None
            else:
                out.append(raw[4:] if raw.startswith("    ") else raw)
                continue
        if section in ("Args", "Arguments", "Raises", "Attributes", "Warns") and raw:
            if raw.startswith("    ") and not raw.startswith("        "):
                flush()
                key, sep, rest = stripped.partition(":")
                item.append(f"`{key}`{sep}{_roles(rest)}" if sep else _roles(stripped))
            else:
                item.append(_roles(stripped))
            continue
        flush()
        if not raw:
            if section not in (None, "Returns", "Yields", "Note", "Notes"):
                section = None
            out.append("")
            continue
        out.append(_roles(stripped))
    flush()
    if in_example:
        out.append("```")
    out.append("")
    return out


def _member_doc(cls: type, name: str) -> str | None:
    """The member's docstring, inherited from a base class when the override has none."""
    for base in cls.__mro__:
        value = base.__dict__.get(name)
        if value is None:
            continue
        func = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
        if getattr(func, "__doc__", None):
            return func.__doc__
    return None


def _members(cls: type) -> list[tuple[str, object]]:
    members = []
    for name, value in cls.__dict__.items():
        if name.startswith("_"):
            continue
        if isinstance(value, property) or inspect.isfunction(value) or isinstance(
                value, (classmethod, staticmethod)):
            members.append((name, value))
    return members


def _document_class(lines: list[str], qualname: str, cls: type) -> None:
    lines += [f"### `{qualname}`", ""]
    if not issubclass(cls, BaseException):
        lines += [f"`{_signature(cls, cls.__name__)}`", ""]
    lines += _docstring(cls.__doc__)
    for name, value in _members(cls):
        doc = _summary(_member_doc(cls, name))
        if isinstance(value, property):
            lines += [f"- **`{name}`** (property): {doc}"]
            continue
        func = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
        lines += [f"- **`{_signature(func, name)}`**: {doc}"]
    lines.append("")


def _summary(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    if not doc:
        return "*(undocumented)*"
    first = inspect.cleandoc(doc).split("\n\n", 1)[0]
    return _roles(" ".join(s.strip() for s in first.splitlines()))


def render() -> str:
    lines = ["# API reference", "",
             "Generated from the docstrings by `python tools/apidoc.py`; do not edit by hand "
             "(`tests/test_api_docs.py` fails when this page is stale). The guides explain how "
             "the parts fit: [concepts](concepts.md), [Optuna](optuna.md), [NNI](nni.md), "
             "[plugins](plugins.md), [data](data.md), [measurement](measurement.md).", "",
             "Modules:", ""]
    lines += [f"- [`{m}`](#{m.replace('.', '')})" for m in MODULES]
    lines.append("")
    for module_name in MODULES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NNI's import-time warnings
            module = importlib.import_module(module_name)
        lines += [f"## {module_name}", ""]
        doc = inspect.getdoc(module) or ""
        lines += [_roles(" ".join(doc.split("\n\n", 1)[0].split())), ""]
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            qualname = f"{module_name}.{name}"
            if getattr(obj, "__module__", None) == "typing":
                lines += [f"### `{qualname}`", "", f"A type alias of `{obj!r}`.", ""]
            elif inspect.isclass(obj):
                _document_class(lines, qualname, obj)
            elif callable(obj):
                lines += [f"### `{qualname}`", "", f"`{_signature(obj, name)}`", ""]
                lines += _docstring(obj.__doc__)
            else:
                lines += [f"### `{qualname}`", "", f"A constant: `{obj!r}`"[:300], ""]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python tools/apidoc.py",
                  file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
