"""Week 10: calibration and uncertainty, each against an outside oracle (torchmetrics, scipy, scikit-learn)."""
import numpy as np
import pytest
import torch
from scipy.optimize import minimize_scalar
from scipy.stats import entropy
from sklearn.metrics import log_loss, roc_auc_score
from torchmetrics.functional.classification import multiclass_calibration_error

import dlsys_lab as dl
from dlsys_lab import nn, uq
from dlsys_lab.uq.fit import fit, predict_logits
from dlsys_lab.uq.shift import add_noise, digits_arrays, hold_out_classes, rotate


def torchmetrics_ece(probs, labels, n_bins=15):
    """The oracle: torchmetrics' multiclass calibration error (norm l1) on float32 probabilities."""
    probs = torch.tensor(np.asarray(probs, np.float32))
    return float(multiclass_calibration_error(probs, torch.tensor(labels), num_classes=probs.shape[1],
                                              n_bins=n_bins, norm="l1"))


@pytest.fixture(scope="module")
def digits_model():
    """A small dlsys_lab MLP trained a few epochs on digits: (test logits, test labels, val logits, val labels)."""
    x, y, x_test, y_test = digits_arrays()
    nn.init.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    fit(model, x[360:], y[360:], epochs=8, lr=2e-2, seed=0)
    return predict_logits(model, x_test), y_test, predict_logits(model, x[:360]), y[:360]


@pytest.mark.parametrize("n, classes, n_bins, seed", [(500, 10, 15, 0), (64, 3, 10, 1), (1000, 2, 15, 2),
                                                      (300, 5, 1, 3), (200, 10, 7, 4)])
def test_ece_equals_torchmetrics_on_random_predictions(n, classes, n_bins, seed):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(classes, 0.3), n).astype(np.float32)
    labels = rng.integers(0, classes, n)
    assert uq.ece(probs, labels, n_bins) == pytest.approx(torchmetrics_ece(probs, labels, n_bins), abs=1e-6)


def test_ece_equals_torchmetrics_on_a_trained_model(digits_model):
    logits, labels, _, _ = digits_model
    for t in (0.5, 1.0, 3.0):
        probs = uq.softmax(logits, t)
        assert uq.ece(probs, labels) == pytest.approx(torchmetrics_ece(probs, labels), abs=1e-6)


def confident_rows(confidences, classes=10):
    """Rows whose top probability is exactly the given float32 confidence."""
    c = np.asarray(confidences, np.float32)[:, None]
    rest = np.repeat((1 - c) / (classes - 1), classes - 1, axis=1)
    return np.concatenate([c, rest], axis=1).astype(np.float32)


def test_ece_bins_confidences_on_bin_edges_like_torchmetrics():
    edges = np.float32(np.arange(2, 16) / 15)  # confidences exactly on the edges k/15, and exactly 1.0
    probs = confident_rows(np.repeat(edges, 3))
    labels = np.tile([0, 1, 0], len(edges))
    assert uq.ece(probs, labels) == pytest.approx(torchmetrics_ece(probs, labels), abs=1e-6)
    counts = uq.reliability(probs, labels).counts
    assert len(counts) == 16 and counts[15] == 3 and counts[14] == 3


def test_confidence_one_has_its_own_bin():
    # bin 14 under-confident, confidence 1.0 over-confident: merging the two bins would cancel the gaps
    probs = confident_rows([0.95] * 4 + [1.0] * 4)
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    expected = torchmetrics_ece(probs, labels)
    assert expected == pytest.approx(0.5 * 0.05 + 0.5 * 0.5, abs=1e-6)
    assert uq.ece(probs, labels) == pytest.approx(expected, abs=1e-6)


def test_reliability_bins_agree_with_their_definition(digits_model):
    logits, labels, _, _ = digits_model
    probs = uq.softmax(logits).astype(np.float32)
    rel = uq.reliability(probs, labels, 10)
    conf, correct = probs.max(axis=1), probs.argmax(axis=1) == labels
    for k in range(10):
        inside = (conf >= rel.edges[k]) & (conf < rel.edges[k + 1])
        assert rel.counts[k] == inside.sum()
        if inside.any():
            assert rel.accuracy[k] == pytest.approx(correct[inside].mean())
            assert rel.confidence[k] == pytest.approx(conf[inside].mean(), rel=1e-6)
    assert rel.counts.sum() == len(labels)


def test_temperature_scaling_equals_the_scipy_optimum_and_never_raises_nll(digits_model):
    logits, labels, val_logits, val_labels = digits_model
    for scale in (0.3, 1.0, 4.0):  # under-, roughly and over-confident versions of the same model
        z = val_logits * scale
        t = uq.temperature_scale(z, val_labels)
        oracle = minimize_scalar(lambda s: uq.scaled_nll(z, val_labels, s), bounds=(0.01, 100), method="bounded",
                                 options={"xatol": 1e-9}).x
        assert t == pytest.approx(oracle, abs=1e-3)
        assert uq.scaled_nll(z, val_labels, t) <= uq.scaled_nll(z, val_labels, 1.0) + 1e-12
    over = logits * 4.0
    t = uq.temperature_scale(val_logits * 4.0, val_labels)
    assert uq.ece(uq.softmax(over, t), labels) < uq.ece(uq.softmax(over), labels)  # held-out ECE goes down


def test_temperature_scaling_on_random_logits_never_raises_nll():
    rng = np.random.default_rng(5)
    for _ in range(5):
        z = rng.normal(0, rng.uniform(0.1, 8), (200, 4))
        y = np.where(rng.random(200) < 0.6, z.argmax(axis=1), rng.integers(0, 4, 200))
        t = uq.temperature_scale(z, y)
        assert uq.scaled_nll(z, y, t) <= uq.scaled_nll(z, y, 1.0) + 1e-12


def test_nll_brier_entropy_and_auroc_against_oracles():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), 100)
    labels = rng.integers(0, 4, 100)
    assert uq.nll(probs, labels) == pytest.approx(log_loss(labels, probs, labels=range(4)))
    one_hot = torch.nn.functional.one_hot(torch.tensor(labels), 4).double()
    assert uq.brier(probs, labels) == pytest.approx(float(((torch.tensor(probs) - one_hot) ** 2).sum(1).mean()))
    assert np.allclose(uq.predictive_entropy(probs), entropy(probs, axis=1))
    scores_in, scores_out = rng.normal(0, 1, 50), np.round(rng.normal(1, 1, 70), 1)
    oracle = roc_auc_score(np.r_[np.zeros(50), np.ones(70)], np.r_[np.round(scores_in, 1), scores_out])
    assert uq.auroc(np.round(scores_in, 1), scores_out) == pytest.approx(oracle)


def test_mc_dropout_varies_samples_and_restores_the_model():
    nn.init.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10))
    x = np.random.default_rng(0).random((5, 64)).astype(np.float32)
    mean, samples = uq.mc_dropout_predict(model, x, n_samples=20)
    assert samples.shape == (20, 5, 10) and np.allclose(mean, samples.mean(axis=0))
    assert not np.allclose(samples[0], samples[1]) and model.training
    model.eval()
    with dl.no_grad():
        deterministic = uq.softmax(model(dl.Tensor(x, requires_grad=False)).numpy())
    no_dropout = nn.Sequential(*[m for m in model.modules() if not isinstance(m, (nn.Dropout, nn.Sequential))])
    assert np.allclose(uq.softmax(predict_logits(no_dropout, x)), deterministic)
    with pytest.raises(ValueError, match="Dropout"):
        uq.mc_dropout_predict(no_dropout, x)


def test_ensembles_beat_their_members_on_nll():
    x, y, x_test, y_test = digits_arrays()
    make = lambda: nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    for models in (uq.train_members(make, x[:600], y[:600], members=3, epochs=3),
                   uq.train_members(make, x[:600], y[:600], members=3, epochs=3, bootstrap=True),
                   uq.snapshot_ensemble(make, x[:600], y[:600], snapshots=3, epochs_per_cycle=2)):
        curve = uq.ensemble_curve(models, x_test, y_test)
        mean, members = uq.ensemble_predict(models, x_test)
        assert members.shape == (3, len(y_test), 10) and curve["ensemble_nll"][-1] == pytest.approx(uq.nll(mean, y_test))
        assert curve["ensemble_nll"][-1] <= np.mean(curve["member_nll"])  # -log is convex
        assert 0 < curve["disagreement"] < 0.5 and curve["ensemble_accuracy"][0] == curve["member_accuracy"][0]


def test_shifted_digits_and_held_out_classes():
    x, y, _, _ = digits_arrays()
    assert np.allclose(rotate(x[:4], 0), x[:4], atol=1e-6) and not np.allclose(rotate(x[:4], 45), x[:4])
    noisy = add_noise(x[:4], 0.3)
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.allclose(noisy, x[:4])
    (x_in, y_in), x_out = hold_out_classes(x, y, (8, 9))
    assert len(x_in) + len(x_out) == len(x) and not np.isin(y_in, (8, 9)).any()


@pytest.mark.parametrize("call, message", [
    (lambda: uq.ece(np.ones((3, 2)), [0, 1, 0]), "probabilities"),
    (lambda: uq.ece(np.full((3, 2), 0.5), [0, 2, 0]), "class indices"),
    (lambda: uq.ece(np.full((3, 2), 0.5), [0, 1]), "shape"),
    (lambda: uq.temperature_scale(np.array([[np.nan, 1.0]]), [0]), "NaN"),
    (lambda: uq.ece(np.full((3, 2), 0.5), [0, 1, 0], n_bins=0), "n_bins"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_no_grad_in_one_thread_leaves_another_thread_recording():
    import threading

    inside, release = threading.Event(), threading.Event()

    def evaluate():
        with dl.no_grad():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=evaluate)
    worker.start()
    inside.wait(10)
    try:
        x = dl.Tensor([1.0, 2.0])
        assert (x * x).sum().requires_grad  # the other thread is inside no_grad() right now
    finally:
        release.set()
        worker.join()


@pytest.mark.slow
def test_members_trained_in_parallel_with_week6_launch_equal_those_trained_in_one_process():
    x, y, _, _ = digits_arrays()
    make = lambda: nn.Sequential(nn.Linear(64, 8), nn.ReLU(), nn.Linear(8, 10))
    serial = uq.train_members(make, x[:300], y[:300], members=3, epochs=1, bootstrap=True)
    parallel = uq.train_members(make, x[:300], y[:300], members=3, epochs=1, bootstrap=True, workers=2)
    for a, b in zip(serial, parallel):
        for key, value in a.state_dict().items():
            np.testing.assert_allclose(b.state_dict()[key], value, rtol=1e-5, atol=1e-6)


def test_cubic_toy_separates_aleatoric_from_epistemic():
    from dlsys_lab.uq.regression import cubic_data, fit_gaussian_ensemble, gaussian_nll, predict_gaussian_ensemble

    out = dl.Tensor(np.array([[0.5, np.log(2.0)], [-1.0, 0.0]], np.float32))
    target = np.array([1.0, 0.0], np.float32)
    expected = torch.nn.functional.gaussian_nll_loss(torch.tensor([0.5, -1.0]), torch.tensor(target),
                                                     torch.tensor([2.0, 1.0]), full=False)
    assert float(gaussian_nll(out, target).numpy()) == pytest.approx(float(expected), rel=1e-5)
    x, y = cubic_data(20, seed=0)
    models, y_mean, y_std = fit_gaussian_ensemble(x, y, members=4, epochs=150)
    grid = np.array([[-0.5], [0.0], [0.5], [-7.0], [7.0]], np.float32)
    pred = predict_gaussian_ensemble(models, y_mean, y_std, grid)
    assert np.allclose(pred["total"], pred["aleatoric"] + pred["epistemic"])
    assert pred["epistemic"][3:].min() > 10 * pred["epistemic"][:3].max()  # far from the data the members disagree
