"""The same results under a dask cluster as with one process.

What these tests assert never depends on how the work is batched or
scheduled: which calls ran on the cluster's workers (joblib's dask backend
names each task after the function it batches and the number of calls it
holds), never how many tasks carried them or which worker took which.
"""

import re

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skprune import CoefficientPruner, PrunedLogisticRegressionCV, SampleSubsetter

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


# joblib's dask backend: a task runs a batch of calls of one function
BATCH = re.compile(r"batch_of_(?P<function>.+)_(?P<calls>\d+)_calls-")


def calls_on_workers(tasks, client):
    """``{function: calls}`` that joblib batches ran on the cluster's workers
    (a task recorded twice, as a retried one is, counted once)."""
    workers = set(client.scheduler_info()["workers"])
    calls = {}
    for key in {task["key"] for task in tasks.data if task["worker"] in workers}:
        match = BATCH.search(key if isinstance(key, str) else str(key))
        if match:
            name = match["function"]
            calls[name] = calls.get(name, 0) + int(match["calls"])
    return calls


def test_cv_path_and_grid_search_on_a_dask_cluster(client, cancer):
    X, y = cancer
    path_params = dict(n_keeps=[1, 2, 4, 8, 16], cv=3)
    search_params = dict(
        param_grid={"prune_ratio": [0.0, 0.5, 0.9]},
        cv=3,
    )
    local_cv = PrunedLogisticRegressionCV(n_jobs=1, **path_params).fit(X, y)
    local_search = GridSearchCV(
        CoefficientPruner(LogisticRegression(), granularity="feature"),
        n_jobs=1,
        **search_params,
    ).fit(X, y)
    with (
        parallel_config(backend="dask"),
        distributed.get_task_stream(client) as tasks,
    ):
        remote_cv = PrunedLogisticRegressionCV(n_jobs=-1, **path_params).fit(X, y)
        remote_search = GridSearchCV(
            CoefficientPruner(LogisticRegression(), granularity="feature"),
            n_jobs=-1,
            **search_params,
        ).fit(X, y)
        sampler = SampleSubsetter(
            LogisticRegression(), strategy="margin", n_jobs=-1, random_state=0
        ).fit(X, y)
    # every call ran on the cluster's workers, not silently in this process:
    # the path's 3 folds, the search's 3 x 3 fits, the 5 scoring folds (the
    # inner estimator's own joblib calls, such as scikit-learn 1.6's
    # LogisticRegression.fit, are its business)
    ours = {"score_fold": 3, "_fit_and_score": 9, "fit_fold": 5}
    calls = calls_on_workers(tasks, client)
    assert {name: calls.get(name, 0) for name in ours} == ours
    np.testing.assert_array_equal(
        remote_cv.cv_results_["mean_test_score"],
        local_cv.cv_results_["mean_test_score"],
    )
    assert remote_cv.n_keep_ == local_cv.n_keep_
    # the final path runs on a worker beside the folds, on the worker's copy
    # of X: BLAS may sum in another order there (the last bit, not the model)
    np.testing.assert_array_equal(remote_cv.coef_mask_, local_cv.coef_mask_)
    np.testing.assert_allclose(remote_cv.coef_, local_cv.coef_, rtol=1e-12)
    np.testing.assert_array_equal(
        remote_search.cv_results_["mean_test_score"],
        local_search.cv_results_["mean_test_score"],
    )
    local_sampler = SampleSubsetter(
        LogisticRegression(), strategy="margin", random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(sampler.sample_mask_, local_sampler.sample_mask_)


def test_rows_are_scored_and_drawn_on_the_workers(client):
    da = pytest.importorskip("dask.array")
    # built lazily: the chunks are made and the rows gathered on the workers
    state = da.random.RandomState(0)
    X = state.normal(size=(40_000, 6), chunks=(7_000, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] + state.logistic(size=40_000, chunks=5_000)) > 0
    params = dict(strategy="grand", n_keep=800, random_state=0)
    with distributed.get_task_stream(client) as tasks:
        remote = SampleSubsetter(LogisticRegression(), **params).fit(X, y)
    ran = {}
    for task in tasks.data:
        name = task["key"][0] if isinstance(task["key"], tuple) else task["key"]
        ran.setdefault(name.split("-")[0], set()).add(task["worker"])
    workers = set(client.scheduler_info()["workers"])
    # every kind of block task ran, and only on the cluster's workers (which
    # worker took which chunk is the scheduler's business)
    for kind in ("_phase_block",):
        assert kind in ran and ran[kind] <= workers, kind
    # the same rows as the threaded scheduler in this process
    import dask

    with dask.config.set(scheduler="threads"):
        local = SampleSubsetter(LogisticRegression(), **params).fit(X, y)
    np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
    np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_)
    assert remote.predict(X[:1000]).compute().shape == (1000,)
