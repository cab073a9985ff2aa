"""Validation helpers shared by skprune's estimators (private API)."""
