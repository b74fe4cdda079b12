"""Matching: fingerprints, the match index, and compare's verdicts."""
