"""Shared test data: the scikit-learn data sets, standardized, once a session."""

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
