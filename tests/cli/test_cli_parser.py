"""The command's arguments: a bad one is one line, no traceback
(skprune._cli.parser)."""

import pytest

from skprune._cli import main


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "nope"], "--data must be one of iris, wine, breast_cancer"),
        (["--data", "x.csv"], "--target COLUMN is required"),
        (["--data", "missing.csv", "--target", "y"], "cannot read missing.csv"),
        (["--fractions", "0.5,1.5"], "--fractions must lie in (0, 1]"),
        (["--fractions", "half"], "--fractions must be comma-separated numbers"),
        (["--cv", "1"], "--cv must be an integer >= 2"),
        (["--kind", "rows"], "argument --kind: invalid choice"),
        (["--model", "svm"], "argument --model: invalid choice: 'svm'"),
        (
            ["--scoring", "accuracy", "f2"],
            "unknown scorer 'f2'; valid names: accuracy, adjusted_mutual_info_score",
        ),
        (["--scoring", "accuracy,nope"], "unknown scorer 'nope'"),
        (["--sep", ";;"], "--sep must be one character (or tab)"),
        (["--data", "iris", "--drop", "x"], "--drop and --sep apply to a CSV file"),
    ],
)
def test_bad_arguments_give_one_line_and_no_traceback(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        code = main(args)
        raise SystemExit(code)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
