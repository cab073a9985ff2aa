"""The tree-ensemble family (random forests and gradient-boosted trees)."""
