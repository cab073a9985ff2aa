"""SampleSubsetter on dask arrays and memmaps: the same rows as in memory,
every chunk read a known number of times, kept rows only in memory, blockwise
prediction, and the errors for what cannot run block by block."""

import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier

import skprune.rows._dask as skprune_dask
from skprune import SampleSubsetter
from skprune.utils._arrays import allocate

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


@pytest.fixture(scope="module")
def rows():
    X, y = make_classification(
        6000, 8, n_informative=5, n_classes=3, weights=[0.6, 0.3, 0.1], random_state=0
    )
    weight = np.random.RandomState(1).uniform(0.5, 2.0, len(y))
    return X, y, weight


def _subsetter(**params):
    return SampleSubsetter(
        LogisticRegression(max_iter=500), n_keep=600, random_state=7, **params
    )


def _threads():
    return dask.config.set(scheduler="threads")


@pytest.mark.parametrize("strategy", ["grand", "mmse", "loss", "el2n"])
@pytest.mark.parametrize("chunks", [6000, 1000, 1777])
def test_dask_keeps_the_rows_and_weights_of_the_in_memory_fit(rows, strategy, chunks):
    X, y, weight = rows
    local = _subsetter(strategy=strategy).fit(X, y, sample_weight=weight)
    # y and sample_weight chunked differently from X, X split across columns
    with _threads():
        remote = _subsetter(strategy=strategy).fit(
            da.from_array(X, chunks=(chunks, 3)),
            da.from_array(y, chunks=2500),
            sample_weight=da.from_array(weight, chunks=999),
        )
    np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
    np.testing.assert_array_equal(remote.pilot_indices_, local.pilot_indices_)
    np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_, rtol=1e-12)
    np.testing.assert_allclose(
        remote.estimator_.coef_, local.estimator_.coef_, rtol=1e-6, atol=1e-8
    )
    assert remote.sample_mask_.sum() == 600 and remote.keep_ == "weighted"
    assert remote.sample_scores_ is None and remote.n_features_in_ == 8


def test_dask_regression_with_numpy_y(rows):
    X, y = make_regression(3000, 6, noise=10.0, random_state=0)
    local = SampleSubsetter(Ridge(), strategy="loss", n_keep=300, random_state=0)
    local.fit(X, y)
    with _threads():
        remote = SampleSubsetter(Ridge(), strategy="loss", n_keep=300, random_state=0)
        remote.fit(da.from_array(X, chunks=700), y)
    np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
    np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_)


def test_edge_chunks_and_counts_match_the_rows_in_memory(rows):
    X, y, weight = rows
    # an empty chunk, a chunk of one row, a class of a single row, every row
    # kept, and a regression whose y is a dask array of its own chunking
    y = y.copy()
    y[5000] = 3  # a class of one row
    chunks = ((0, 1, 2999, 0, 3000), (8,))
    for n_keep in (600, 6000):
        params = dict(strategy="el2n", n_keep=n_keep, random_state=2)
        local = SampleSubsetter(LogisticRegression(max_iter=500), **params)
        local.fit(X, y)
        with _threads():
            remote = SampleSubsetter(LogisticRegression(max_iter=500), **params)
            remote.fit(da.from_array(X, chunks=chunks), y)
        np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
        np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_)
        assert remote.sample_mask_[5000]  # the one row of its class is kept
    np.testing.assert_allclose(remote.sample_weight_, 1.0)  # every row: pi = 1
    Xr, yr = make_regression(3000, 6, noise=10.0, random_state=1)
    params = dict(strategy="loss", n_keep=250, random_state=5)
    local = SampleSubsetter(Ridge(), **params).fit(Xr, yr, sample_weight=weight[:3000])
    with _threads():
        remote = SampleSubsetter(Ridge(), **params).fit(
            da.from_array(Xr, chunks=((0, 1000, 2000), (6,))),
            da.from_array(yr, chunks=700),
            sample_weight=weight[:3000],
        )
    np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
    np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_)
    np.testing.assert_allclose(remote.estimator_.coef_, local.estimator_.coef_)


def test_a_first_phase_short_of_rows_is_gathered_again(rows, monkeypatch):
    # a first-phase rate far too low (the real one falls short with a
    # probability under 1e-15): the rate doubles until the phase holds the
    # rows kept, in memory and on dask alike, and only then is X read again
    import skprune.rows.selection._one_read as one_read

    X, y, _ = rows

    def too_low(n_rows, n_keep, factor=4):
        return n_keep / (16.0 * n_rows)

    monkeypatch.setattr(one_read, "first_phase_rate", too_low)
    local = _subsetter(strategy="grand").fit(X, y)
    lazy, computed = _counted(X, 1500)
    with _threads():
        remote = _subsetter(strategy="grand").fit(lazy, y)
    np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
    np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_)
    # one read per rate tried: 1/16 of the count's share, doubled until as
    # many rows as kept fall below it
    from skprune.rows.selection._weighted import row_uniforms

    pilot_seed = np.random.RandomState(7).randint(np.iinfo(np.int32).max, size=2)[1]
    u = row_uniforms(pilot_seed, np.arange(len(y)))
    rate, reads = too_low(len(y), 600), 1
    while np.sum(u < rate) < 600:
        rate, reads = 2 * rate, reads + 1
    assert reads >= 5
    assert computed == Counter({b: reads for b in range(4)})


def test_a_memmap_keeps_the_rows_of_the_array(rows, tmp_path):
    X, y, _ = rows
    path = tmp_path / "X.dat"
    mapped = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    mapped[:] = X
    mapped.flush()
    mapped = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    local = _subsetter(strategy="grand").fit(X, y)
    from_disk = _subsetter(strategy="grand").fit(mapped, y)
    np.testing.assert_array_equal(from_disk.sample_indices_, local.sample_indices_)
    np.testing.assert_allclose(from_disk.sample_weight_, local.sample_weight_)


def _counted(X, chunks):
    """X as a dask array whose chunks count how often they are computed."""
    computed = Counter()

    def make(block, block_info=None):
        computed[block_info[None]["chunk-location"][0]] += 1
        start, stop = block_info[None]["array-location"][0]
        return X[start:stop]

    lazy = da.map_blocks(
        make,
        da.zeros(X.shape, chunks=(chunks, X.shape[1])),
        dtype=X.dtype,
    )
    return lazy, computed


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
def test_every_chunk_is_read_once_and_the_array_never_whole(rows, scheduler):
    # counted where a chunk is built, not in dask's tasks: the count is the
    # same whatever the scheduler does
    X, y, _ = rows
    lazy, computed = _counted(X, 1000)
    with dask.config.set(scheduler=scheduler):
        model = _subsetter(strategy="grand").fit(lazy, da.from_array(y, chunks=1000))
    # the first phase gathers the pilot's and the draw's rows in one read of
    # each chunk (X.compute(), or np.asarray(X), would add one)
    assert computed == Counter({b: 1 for b in range(6)})
    assert len(model.sample_indices_) == 600
    # uniform rows read each chunk once
    computed.clear()
    with dask.config.set(scheduler=scheduler):
        SampleSubsetter(
            LogisticRegression(), strategy="random", n_keep=600, random_state=0
        ).fit(lazy, y)
    assert computed == Counter({b: 1 for b in range(6)})


def test_uniform_rows_on_dask_are_exact_stratified_and_seeded(rows):
    X, y, _ = rows
    Xd = da.from_array(X, chunks=1300)
    with _threads():
        uniform = dict(strategy="random", n_keep=600)
        one = SampleSubsetter(LogisticRegression(), **uniform, random_state=3)
        one.fit(Xd, y)
        two = SampleSubsetter(LogisticRegression(), **uniform, random_state=3)
        two.fit(Xd, y)
        other = SampleSubsetter(LogisticRegression(), **uniform, random_state=4)
        other.fit(Xd, y)
        flat = SampleSubsetter(
            LogisticRegression(), **uniform, stratify=False, random_state=3
        ).fit(Xd, y)
    np.testing.assert_array_equal(one.sample_indices_, two.sample_indices_)
    assert not np.array_equal(one.sample_indices_, other.sample_indices_)
    assert one.keep_ == "easy" and one.sample_weight_ is None
    np.testing.assert_array_equal(
        np.bincount(y[one.sample_indices_]), allocate(np.bincount(y), 600)
    )
    assert len(flat.sample_indices_) == 600
    # the model was fit on exactly those rows
    refit = LogisticRegression().fit(X[one.sample_indices_], y[one.sample_indices_])
    np.testing.assert_allclose(one.estimator_.coef_, refit.coef_)


def test_predictions_on_dask_are_blockwise_dask_arrays(rows):
    X, y, _ = rows
    model = _subsetter(strategy="grand").fit(X, y)
    Xd = da.from_array(X, chunks=(1100, 4))
    for method in (
        "predict",
        "predict_proba",
        "predict_log_proba",
        "decision_function",
    ):
        out = getattr(model, method)(Xd)
        assert isinstance(out, da.Array), method
        assert out.chunks[0] == Xd.chunks[0]
        np.testing.assert_allclose(out.compute(), getattr(model.estimator_, method)(X))
    assert np.isclose(model.score(Xd, da.from_array(y, chunks=500)), model.score(X, y))
    weight = np.linspace(0.1, 3.0, len(y))
    assert np.isclose(
        model.score(Xd, y, sample_weight=weight),
        model.score(X, y, sample_weight=weight),
    )
    Xr, yr = make_regression(2000, 5, noise=30.0, random_state=0)
    regressor = SampleSubsetter(Ridge(), strategy="loss", n_keep=500, random_state=0)
    regressor.fit(Xr, yr)
    assert np.isclose(
        regressor.score(da.from_array(Xr, chunks=300), yr), regressor.score(Xr, yr)
    )
    with pytest.raises(ValueError, match="fit on 8"):
        model.predict(da.zeros((10, 5)))


def test_sparse_chunks_stay_sparse(rows):
    X, y, _ = rows
    X = sparse.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    local = _subsetter(strategy="grand").fit(X, y)
    chunks = [X[i : i + 1500] for i in range(0, X.shape[0], 1500)]
    Xd = da.concatenate(
        [da.from_array(c, chunks=c.shape, asarray=False) for c in chunks]
    )
    with _threads():
        remote = _subsetter(strategy="grand").fit(Xd, y)
    np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
    np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_)
    assert sparse.issparse(remote.estimator_.coef_) is False


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(strategy="grand", score_by="out_of_fold"), 'score_by="pilot"'),
        (dict(strategy="margin"), "On a dask array"),
        (dict(strategy="grand", keep="coverage"), "applies 'coverage'"),
        (dict(strategy="noise"), "On a dask array"),
        (dict(strategy="kcenter"), "On a dask array"),
        (dict(strategy="random", keep="hard"), "keeps uniform rows"),
        (dict(keep="hard"), 'strategy="auto" chooses the keep rule'),
    ],
)
def test_rules_that_need_rows_in_memory_say_so(rows, params, match):
    X, y, _ = rows
    with pytest.raises(ValueError, match=match):
        _subsetter(**params).fit(da.from_array(X, chunks=1000), y)


def test_bad_dask_input_gets_a_clear_error(rows):
    X, y, _ = rows
    Xd = da.from_array(X, chunks=1000)
    with pytest.raises(ValueError, match="takes no sample_weight"):
        SampleSubsetter(
            KNeighborsClassifier(),
            strategy="grand",
            n_keep=100,
            scoring_estimator=LogisticRegression(),
        ).fit(Xd, y)
    with pytest.raises(TypeError, match="y is a dask collection but X is not"):
        _subsetter(strategy="grand").fit(X, da.from_array(y, chunks=1000))
    with pytest.raises(ValueError, match="same number of rows"):
        _subsetter(strategy="grand").fit(Xd, y[:-1])
    with pytest.raises(ValueError, match="1-D"):
        _subsetter(strategy="grand").fit(Xd, da.from_array(np.c_[y, y], chunks=1000))
    unknown = Xd[Xd[:, 0] > -np.inf]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        _subsetter(strategy="grand").fit(unknown, y)
    broken = X.copy()
    broken[4321, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity .* from 4000"):
        with _threads():
            _subsetter(strategy="grand").fit(da.from_array(broken, chunks=1000), y)
    with pytest.raises(ValueError, match="non-negative"):
        with _threads():
            _subsetter(strategy="grand").fit(Xd, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        _subsetter(strategy="grand").fit(Xd, y + 0.5)
    with pytest.raises(TypeError, match="use fit"):
        _subsetter(strategy="grand", keep="coverage").fit_resample(Xd, y)
    with pytest.raises(TypeError, match="dask collection"):
        _subsetter(strategy="grand").fit(Xd, y, groups=da.from_array(y, chunks=1000))


def test_a_dask_dataframe_is_pointed_to_its_array(rows):
    X, y, _ = rows
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(pd.DataFrame(X), npartitions=3)
    with pytest.raises(TypeError, match="to_dask_array"):
        _subsetter(strategy="grand").fit(frame, y)


def test_importing_skprune_does_not_import_dask():
    code = (
        "import sys, numpy as np, skprune\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "X = np.random.RandomState(0).normal(size=(200, 3)); y = X[:, 0] > 0\n"
        "skprune.SampleSubsetter(LogisticRegression(), strategy='grand', "
        "n_keep=50).fit(X, y).predict(X)\n"
        "assert 'dask' not in sys.modules, 'dask was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_class_without_a_first_phase_row_keeps_its_row_of_smallest_uniform(rows):
    # a class of two rows, both outside the first phase: the pilot takes the
    # one of smaller uniform, on dask (from the chunk that holds it) as in
    # memory
    from skprune.rows.selection._weighted import first_phase_rate, row_uniforms

    X, y, _ = rows
    pilot_seed = np.random.RandomState(7).randint(np.iinfo(np.int32).max, size=2)[1]
    u = row_uniforms(pilot_seed, np.arange(len(y)))
    outside = np.flatnonzero(u >= first_phase_rate(len(y), 600))
    rare = outside[[10, 3000]]
    y = y.copy()
    y[rare] = 3
    local = _subsetter(strategy="grand").fit(X, y)
    with _threads():
        remote = _subsetter(strategy="grand").fit(da.from_array(X, chunks=1300), y)
    lowest = rare[np.argmin(u[rare])]
    assert lowest in local.pilot_indices_ and local.sample_mask_[lowest]
    assert not local.sample_mask_[rare[rare != lowest]].any()
    np.testing.assert_array_equal(remote.sample_indices_, local.sample_indices_)
    np.testing.assert_allclose(remote.sample_weight_, local.sample_weight_)


@pytest.mark.parametrize("shift", [0, 10])
def test_the_first_phase_holds_its_rows_and_only_the_lowest_rows_it_needs(rows, shift):
    # whatever the labels are (not the class codes 0..K-1), a class with rows
    # in the first phase brings no row from outside it; a class without
    # brings its one row of smallest uniform
    from skprune.rows.selection._weighted import row_uniforms

    X, y, _ = rows
    y = y + shift
    seed = 5
    Xd, yd, _ = skprune_dask.as_row_chunks(da.from_array(X, chunks=1300), y)
    with _threads():
        phase = skprune_dask.first_phase(
            Xd, yd, None, 600, seed, classifier=True, finite=True
        )
    u = row_uniforms(seed, np.arange(len(y)))
    np.testing.assert_array_equal(phase.index, np.flatnonzero(u < phase.rate))
    np.testing.assert_array_equal(phase.y, y[phase.index])
    np.testing.assert_array_equal(phase.counts, np.bincount(y - shift))
