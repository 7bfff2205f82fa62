"""Grades numerical homework against reference implementations, in isolated student processes."""

__version__ = "0.1.0"
