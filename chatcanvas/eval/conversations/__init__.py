"""The agent evaluation's scripted conversations (dev and test halves)."""
