"""The registry of --kind: an entry is all a new kind needs; the parser, the
run, its tables and the figure read it (skprune._cli.kinds)."""

import json

import pytest
from sklearn.dummy import DummyClassifier

import skprune._cli as cli
from skprune._cli.experiments import References, _rows
from skprune._cli.folds import Folds
from skprune._cli.kinds import aliases
from skprune._cli.report import plot_pruning_curves, pruning_tables
from skprune._cli.scorers import MeanScores


def guess_experiment(X, y, fractions, cv, seed, progress, scoring, model):
    """A uniform guess at each fraction of the features, and the references
    (a prior guess as the model on everything)."""
    scores = MeanScores(scoring, cv)
    references = References("every guess", scoring, cv)
    folds = Folds(X, y, cv, seed, progress, steps=len(fractions) + 1)
    for X_tr, y_tr, X_te, y_te in folds:
        for f in fractions:
            guess = DummyClassifier(strategy="uniform", random_state=seed)
            scores.add("uniform guess", f, guess.fit(X_tr, y_tr), X_te, y_te)
            folds.step(f"{f:.0%}")
        prior = DummyClassifier(strategy="prior").fit(X_tr, y_tr)
        references.add_fold(X_tr, y_tr, X_te, y_te, prior)
        folds.step("references")
    kept = {f: max(1, round(f * X.shape[1])) for f in fractions}
    return _rows("guess", scoring, scores.means, kept, references.means, X.shape[1])


@pytest.fixture
def guess_kind(monkeypatch):
    kind = cli.Kind(
        run=guess_experiment,
        help="guessing at random",
        title="guessing",
        label="guessing ({units} kept; {model})",
        level_name="fraction of {units} guessed",
        tables=pruning_tables,
        plot=plot_pruning_curves,
        units={"logistic": "guesses", "mlp": "guesses"},
        full={"logistic": "every guess", "mlp": "every guess"},
    )
    monkeypatch.setitem(cli.KINDS, "guess", kind)


def test_a_new_kind_is_one_registry_entry(guess_kind, tmp_path, capsys, run_cli):
    parser = cli.build_parser()
    assert parser.parse_args(["--kind", "guess"]).kind == "guess"
    assert "guess: guessing at random" in parser.format_help().replace("\n", " ")
    assert "guess" in aliases()["all"] and "guess" not in aliases()["both"]
    code, out, err = run_cli(
        [
            *("--data", "iris", "--kind", "guess", "--out", str(tmp_path)),
            *("--cv", "3", "--fractions", "0.5,0.25", "--scoring", "accuracy,f1_macro"),
        ],
        capsys,
    )
    assert code == 0
    assert "[skprune] guessing (guesses kept; logistic regression), 3-fold" in err
    for scorer in ("accuracy", "f1_macro"):
        title = (
            "iris (150 rows, 4 features): guessing (guesses kept; logistic "
            f"regression), mean test {scorer}"
        )
        table = out.split(title + "\n")[1].split("\n\n")[0].splitlines()
        assert table[1].split() == ["(kept)", "2", "1"]
        assert table[2].startswith("uniform guess")
        # the new reference is a reference: last, one value in every column
        assert [line.split()[:2] for line in table[3:]] == [
            ["majority", "class"],
            ["every", "guess"],
        ]
        assert len(set(table[4].split()[2:])) == 1
    payload = json.loads((tmp_path / "results.json").read_text())
    assert {r["kind"] for r in payload["rows"]} == {"guess"}
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = cli.plot_curves(payload["rows"], "iris")
    try:
        top = fig.axes[0]
        assert top.get_title() == "guessing: accuracy"
        assert top.get_xlabel() == "fraction of guesses guessed"
        dotted = [line for line in top.get_lines() if line.get_linestyle() == ":"]
        assert sorted(line.get_label().split(" (")[0] for line in dotted) == [
            "every guess",
            "majority class",
        ]
    finally:
        plt.close(fig)
