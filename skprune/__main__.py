"""``python -m skprune`` (also the ``skprune`` command): see pruning on your data.

Runs, on a bundled data set or a CSV file, a score-vs-kept-fraction experiment
(cross-validated) for

- coefficient pruning (``--kind coef``): with ``--model logistic`` (default)
  skprune's pruned logistic regression (default schedule, and one-shot
  without refit) against ``RFE`` and an L1 path (the first model along the
  path with at least ``k`` features, its ``k`` largest kept and refit), at
  equal feature counts; with ``--model mlp`` an ``MLPClassifier``'s weights
  pruned by magnitude, with and without fine-tuning the survivors, at equal
  weight counts;
- sample pruning (``--kind samples``): ``SampleSubsetter`` strategies against
  random rows, at equal row counts, the model fit on the kept rows;
- compression (``--kind compress``): bytes against score for the dense
  model, the model quantized to 8 bits (uniform) and 4 bits (k-means), and
  pruned to each fraction of its weights, unquantized and quantized;

each against the majority class and (pruning) the model on all features,
weights or rows. Every model is scored with each ``--scoring`` name
(scikit-learn scorers, accuracy by default) on the test folds; the labels are
encoded ``0..K-1``, and for a binary target the positive class (1) is the
rarer one. It prints a table per pruning kind and scorer (one table with a
column per scorer for compression), and with ``--out`` (default
``skprune_results``) writes them as CSV and JSON (a column per scorer) plus a
PNG of the curves (a row of panels per scorer) when matplotlib is installed.

A CSV (or ``.tsv``, ``.txt``) file needs a header row, numeric feature columns
and a class-label ``--target`` column; ``--sep`` sets the separator and
``--drop`` removes columns such as IDs. Problems with the arguments or the
file are reported on one line (exit code 2) before any work starts.
"""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
