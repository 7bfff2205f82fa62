"""Reporters: peers that turn a `GradeReport` into what someone reads (terminal table,
Gradescope's results.json, pytest items); none calls another."""
