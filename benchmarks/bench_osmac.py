"""The OSMAC paper's own simulation: does skprune's weighted rule beat uniform
rows, as optimal subsampling should?

Wang, Zhu & Ma (2018), "Optimal subsampling for large sample logistic
regression", JASA 113(522), Section 5.1: n = 10,000 rows, beta0 = 0.5 * 1_7
(no intercept), Sigma_ij = 0.5 ** (i != j), six covariate designs:

- mzNormal: N(0, Sigma);  nzNormal: N(1.5, Sigma);
- ueNormal: N(0, Sigma) with var(x_j) = (1 / j) ** 2 (columns scaled);
- mixNormal: 0.5 N(1, Sigma) + 0.5 N(-1, Sigma);
- T3: a multivariate t with 3 degrees of freedom, t3(0, Sigma) / 10;
- EXP: independent Exp(rate 2) components.

y ~ Bernoulli(sigmoid(x @ beta0)). A pilot of r0 = 200 uniform rows, then r
rows more (r = 100 ... 1,000); the MSE of the fitted beta against the true
beta0 over repetitions. Every fit is an unpenalized logistic regression
without intercept, as in the paper.

Methods, each with r0 + r rows in all:

- ``uniform``: r0 + r uniform rows, unweighted;
- ``OSMAC mVc`` / ``OSMAC mMSE`` (written here, straight from the paper's
  Algorithm 2): the pilot fit on r0 uniform rows; r rows drawn *with
  replacement* with probability pi_i proportional to |y_i - p_i| ||x_i||
  (mVc) or |y_i - p_i| ||M^-1 x_i|| (mMSE, M the pilot's weighted Hessian);
  the pilot and second-step rows pooled in one fit weighted by 1 / pi (the
  pilot rows by 1 / (1 / n), the uniform design's probability);
- ``skprune grand`` / ``skprune mmse``: ``SampleSubsetter(LogisticRegression(
  penalty=None, fit_intercept=False), strategy=..., keep="weighted",
  n_keep=r0 + r, score_by="pilot", pilot_size=r0)``: the same two steps with
  skprune's design (without replacement, exact count, the default mixture
  with uniform, the pilot rows kept in the union design).

    python benchmarks/bench_osmac.py [--quick] [--repeats 40] [--out F]
"""

import sys
import warnings

import _harness as harness
import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from skprune import SampleSubsetter

N_ROWS = 10_000
N_FEATURES = 7
BETA0 = np.full(N_FEATURES, 0.5)
PILOT = 200
R_VALUES = (100, 200, 300, 400, 500, 600, 700, 800, 900, 1000)
DESIGNS = ("mzNormal", "nzNormal", "ueNormal", "mixNormal", "T3", "EXP")


def covariates(design, rng, n=N_ROWS, p=N_FEATURES):
    """The paper's covariate designs."""
    sigma = np.full((p, p), 0.5) + 0.5 * np.eye(p)
    chol = np.linalg.cholesky(sigma)
    z = rng.standard_normal((n, p)) @ chol.T
    if design == "mzNormal":
        return z
    if design == "nzNormal":
        return z + 1.5
    if design == "ueNormal":
        return z / np.arange(1, p + 1)
    if design == "mixNormal":
        return z + np.where(rng.random_sample(n) < 0.5, 1.0, -1.0)[:, None]
    if design == "T3":
        return z / np.sqrt(rng.chisquare(3, size=n) / 3)[:, None] / 10
    if design == "EXP":
        return rng.exponential(scale=0.5, size=(n, p))
    raise ValueError(design)


def mle():
    return LogisticRegression(C=np.inf, fit_intercept=False, max_iter=1000)


def fit_beta(X, y, weights=None):
    return mle().fit(X, y, sample_weight=weights).coef_.ravel()


def osmac(X, y, r0, r, rng, method):
    """The paper's Algorithm 2, straightforwardly."""
    n = len(y)
    pilot = rng.choice(n, r0, replace=False)
    beta = fit_beta(X[pilot], y[pilot])
    p = expit(X @ beta)
    if method == "mmse":
        Xp, pp = X[pilot], p[pilot]
        hessian = (Xp * (pp * (1 - pp))[:, None]).T @ Xp / r0
        direction = np.linalg.norm(X @ np.linalg.inv(hessian), axis=1)
    else:
        direction = np.linalg.norm(X, axis=1)
    cost = np.abs(y - p) * direction
    pi = cost / cost.sum()
    second = rng.choice(n, r, replace=True, p=pi)
    rows = np.concatenate([pilot, second])
    weights = np.concatenate([np.full(r0, float(n)), 1.0 / pi[second]])
    return fit_beta(X[rows], y[rows], weights)


def uniform(X, y, r0, r, rng):
    rows = rng.choice(len(y), r0 + r, replace=False)
    return fit_beta(X[rows], y[rows])


def skprune_rule(X, y, r0, r, seed, strategy):
    sub = SampleSubsetter(
        mle(),
        strategy=strategy,
        keep="weighted",
        n_keep=r0 + r,
        score_by="pilot",
        pilot_size=r0,
        random_state=seed,
    ).fit(X, y)
    return sub.estimator_.coef_.ravel()


METHODS = {
    "uniform": lambda X, y, r0, r, rng, seed: uniform(X, y, r0, r, rng),
    "OSMAC mVc": lambda X, y, r0, r, rng, seed: osmac(X, y, r0, r, rng, "mvc"),
    "OSMAC mMSE": lambda X, y, r0, r, rng, seed: osmac(X, y, r0, r, rng, "mmse"),
    "skprune grand": lambda X, y, r0, r, rng, seed: skprune_rule(
        X, y, r0, r, seed, "grand"
    ),
    "skprune mmse": lambda X, y, r0, r, rng, seed: skprune_rule(
        X, y, r0, r, seed, "mmse"
    ),
}


def main():
    args = harness.parse_args(__doc__, repeats="repetitions")
    repeats = args.repeats or (3 if args.quick else 40)
    designs = DESIGNS[:2] if args.quick else DESIGNS
    r_values = (100, 1000) if args.quick else R_VALUES
    warnings.filterwarnings("ignore")
    rows, summary = [], []
    for design in designs:
        errors = {(m, r): [] for m in METHODS for r in r_values}
        for rep in range(repeats):
            data_rng = np.random.RandomState(rep)
            X = covariates(design, data_rng)
            y = (data_rng.random_sample(N_ROWS) < expit(X @ BETA0)).astype(int)
            for r in r_values:
                for name, method in METHODS.items():
                    rng = np.random.RandomState(10_000 + rep)
                    beta = method(X, y, PILOT, r, rng, rep)
                    errors[name, r].append(float(np.sum((beta - BETA0) ** 2)))
        for r in r_values:
            base = np.mean(errors["uniform", r])
            entry = {"design": design, "r": r}
            for name in METHODS:
                mse = float(np.mean(errors[name, r]))
                entry[name] = mse
                rows.append({"design": design, "r": r, "method": name, "mse": mse})
            entry["grand / uniform"] = entry["skprune grand"] / base
            entry["grand / OSMAC mVc"] = entry["skprune grand"] / entry["OSMAC mVc"]
            entry["mmse / OSMAC mMSE"] = entry["skprune mmse"] / entry["OSMAC mMSE"]
            summary.append(entry)
        print(f"{design} done", file=sys.stderr)
    print(
        f"MSE of beta against the true beta0 ({repeats} repetitions, n = "
        f"{N_ROWS}, pilot r0 = {PILOT}, r0 + r rows in all)"
    )
    harness.print_table(summary, ["design", "r", *METHODS, *list(summary[0])[-3:]])
    harness.write_json(args.out, {"repeats": repeats, "rows": rows, "summary": summary})


if __name__ == "__main__":
    main()
