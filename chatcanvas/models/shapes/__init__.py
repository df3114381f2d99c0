"""`shapes`: the trained demo model that ships with chatcanvas (flat shapes, named colors, positions)."""

from pathlib import Path

WEIGHTS = Path(__file__).parent / "weights"
"""The diffusers pipeline folder, installed as package data."""
