"""End to end: the digits MLP script reaches at least 97% test accuracy.
"""
import pytest

from dlsys_lab import train_digits


@pytest.mark.slow
def test_mlp_reaches_97_percent_on_digits():
    assert train_digits.train(epochs=15, seed=0, progress=False) >= 0.97


def test_training_script_prints_accuracy(capsys):
    train_digits.main(["--epochs", "1"])
    assert "test accuracy: 0." in capsys.readouterr().out
