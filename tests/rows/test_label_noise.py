"""Confident learning (skprune.rows.scoring._label_noise), on probabilities
worked by hand."""

import numpy as np

from skprune.rows.scoring._label_noise import (
    _round_preserving_row_sums,
    confident_joint,
    find_label_issues,
    label_quality,
)

# rows 0-1 labelled 0, rows 2-4 labelled 1 (row 4 looks like a 0), row 5
# labelled 2. Class thresholds (the mean probability of each class over the
# rows labelled with it): 0.85, (0.7 + 0.8 + 0.1) / 3 = 0.533, 0.8.
PROBA = np.array(
    [
        [0.90, 0.05, 0.05],
        [0.80, 0.10, 0.10],  # below every threshold: not counted
        [0.20, 0.70, 0.10],
        [0.10, 0.80, 0.10],
        [0.86, 0.10, 0.04],  # labelled 1, confidently a 0
        [0.10, 0.10, 0.80],
    ]
)
LABELS = np.array([0, 0, 1, 1, 1, 2])


def test_confident_joint_by_hand():
    # counted: (0, 0) once, (1, 1) twice, (1, 0) once, (2, 2) once; each row
    # of the joint scaled to its class's count (2, 3, 1)
    expected = np.array([[2.0, 0, 0], [1.0, 2.0, 0], [0, 0, 1.0]])
    np.testing.assert_allclose(confident_joint(PROBA, LABELS), expected)


def test_the_confidently_wrong_row_is_flagged_and_weights_restore_classes():
    issues = find_label_issues(PROBA, LABELS)
    np.testing.assert_array_equal(issues.flagged, [0, 0, 0, 0, 1, 0])
    # three rows are truly 0 of which two keep the label 0: weight 3 / 2
    np.testing.assert_allclose(issues.class_weights(), [1.5, 1.0, 1.0])


def test_a_row_predicted_as_its_label_is_never_flagged():
    proba = PROBA.copy()
    proba[2] = [0.3, 0.4, 0.3]  # confident of nothing, predicted as its label
    issues = find_label_issues(proba, LABELS)
    # class 1's row of the joint is [1, 1, 0] scaled to its 3 rows: 2 rows of
    # cell (1, 0) to flag, the two with the largest p_0 - p_1 (rows 4 and 2);
    # row 2 is predicted as its label, 1, and is spared
    np.testing.assert_allclose(issues.joint[1], [1.5, 1.5, 0.0])
    np.testing.assert_array_equal(issues.flagged, [0, 0, 0, 0, 1, 0])


def test_label_quality_is_the_margin_of_the_given_label():
    expected = [0.85, 0.7, 0.5, 0.7, 0.1 - 0.86, 0.7]
    np.testing.assert_allclose(label_quality(PROBA, LABELS), expected)


def test_rounding_keeps_row_totals_and_rounds_the_largest_parts_up():
    matrix = np.array([[0.4, 0.4, 0.2], [1.5, 0.5, 1.0], [0.2, 0.7, 2.1]])
    rounded = _round_preserving_row_sums(matrix)
    np.testing.assert_array_equal(rounded, [[1, 0, 0], [2, 0, 1], [0, 1, 2]])
    np.testing.assert_array_equal(rounded.sum(axis=1), [1, 3, 3])
