"""Evaluations that score what models draw."""
