"""Placeholder until the measurement module lands."""
BUILTIN_RUNTIMES: tuple = ()
