"""Shared test data: the scikit-learn data sets, standardized, once a session;
and the command line's fixtures (``run_cli``, ``no_experiment``)."""

import dataclasses

import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.preprocessing import StandardScaler


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def iris():
    return standardized(load_iris)


@pytest.fixture(scope="session")
def wine():
    return standardized(load_wine)


@pytest.fixture(scope="session")
def cancer():
    return standardized(load_breast_cancer)


@pytest.fixture(scope="session")
def digits():
    return standardized(load_digits)


@pytest.fixture(scope="session")
def small_digits():
    """The first 400 rows of digits, standardized on them: small networks
    train on them in a blink."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X[:400]), y[:400]


@pytest.fixture
def run_cli():
    """``run_cli(args, capsys)``: the command's exit code, stdout and stderr."""
    from skprune._cli import main

    def run(args, capsys):
        code = main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def no_experiment(monkeypatch):
    """Fail the test if an experiment starts: errors must come before."""
    from skprune._cli import KINDS

    def started(*args, **kwargs):
        raise AssertionError("the experiment started before the error")

    for name, kind in list(KINDS.items()):
        monkeypatch.setitem(KINDS, name, dataclasses.replace(kind, run=started))
