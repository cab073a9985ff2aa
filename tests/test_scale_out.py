"""The same results under a dask cluster as with one process."""

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
    # the work ran on the cluster's workers, not silently in this process
    workers = {task["worker"] for task in tasks.data}
    assert len(tasks.data) >= 3 + 9 + 5 and workers <= set(
        client.scheduler_info()["workers"]
    )
    np.testing.assert_array_equal(
        remote_cv.cv_results_["mean_test_score"],
        local_cv.cv_results_["mean_test_score"],
    )
    assert remote_cv.n_keep_ == local_cv.n_keep_
    np.testing.assert_array_equal(remote_cv.coef_, local_cv.coef_)
    np.testing.assert_array_equal(
        remote_search.cv_results_["mean_test_score"],
        local_search.cv_results_["mean_test_score"],
    )
    local_sampler = SampleSubsetter(
        LogisticRegression(), strategy="margin", random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(sampler.sample_mask_, local_sampler.sample_mask_)
