"""The small Transformer language model: it equals its torch twin step by step, learns the bundled character
text within the fast step budget, and generates the same tokens with and without its KV cache.
Also the text and sequence tasks it trains on.
"""
import math

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_limits

import dlsys_lab as dl
from dlsys_lab.models import TransformerLM, evaluate_lm, generate, train_lm
from dlsys_lab.models.torch_lm import TorchTransformerLM, train_torch_lm

FAST_STEPS = 200  # the fast mode's step budget for the loss check
TARGET_LOSS = 1.3  # nats per character on held-out text; the unigram (no context) entropy is about 2.95


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One thread each for our kernels and torch: at these sizes threads cost more than they give, and
    the suite runs two test processes on two cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def corpus():
    return dl.data.char_corpus()


def _twins(corpus, device, d_model=16, layers=2, max_len=24):
    torch.manual_seed(0)
    theirs = TorchTransformerLM(corpus.vocab_size, d_model, 2, layers, 2 * d_model, max_len).double()
    ours = TransformerLM(corpus.vocab_size, d_model, 2, layers, 2 * d_model, max_len, device=device, dtype="float64")
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def test_lm_trains_like_its_torch_twin(corpus, device_name):
    ours, theirs = _twins(corpus, device_name)
    losses = train_lm(ours, corpus, 4, dl.optim.Adam(ours.parameters(), lr=1e-2), batch_size=3, block_size=10)
    t_losses = train_torch_lm(theirs, corpus, 4, torch.optim.Adam(theirs.parameters(), lr=1e-2), batch_size=3,
                              block_size=10)
    np.testing.assert_allclose(losses, t_losses, rtol=1e-6)
    assert losses[-1] < losses[0]
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name], value.numpy(), rtol=1e-6, atol=1e-8, err_msg=name)


def test_lm_reaches_stated_loss_in_fast_budget(corpus):
    device = "cpu" if dl.device("cpu").available() else "numpy"
    dl.nn.init.manual_seed(0)
    model = TransformerLM(corpus.vocab_size, 32, 4, 2, 128, 32, device=device)
    train_lm(model, corpus, FAST_STEPS, dl.optim.Adam(model.parameters(), lr=1e-2), batch_size=16, block_size=32)
    result = evaluate_lm(model, corpus, batches=4, batch_size=16, block_size=32)
    assert result["loss"] < TARGET_LOSS, result
    assert math.isclose(result["perplexity"], math.exp(result["loss"]))
    text = corpus.decode(generate(model, corpus.encode("the "), 24)[0])
    assert text.startswith("the ") and len(text) == 28


@pytest.mark.parametrize("temperature", [0.0, 0.8])
def test_kv_cache_generates_the_same_tokens(corpus, device_name, temperature):
    ours, _ = _twins(corpus, device_name, d_model=16, layers=2, max_len=20)
    prompt = np.stack([corpus.encode("the cat"), corpus.encode("two dog")])
    plain = generate(ours, prompt, 12, temperature=temperature, use_cache=False, seed=3)
    cached = generate(ours, prompt, 12, temperature=temperature, use_cache=True, seed=3)
    np.testing.assert_array_equal(plain, cached)
    assert plain.shape == (2, 19)


def test_cached_logits_equal_full_forward(corpus, device_name):
    ours, _ = _twins(corpus, device_name)
    tokens = corpus.train[:15][None, :]
    with dl.no_grad():
        full = ours(tokens).numpy()
        cache = ours.new_cache(1)
        parts = [ours.forward_cached(tokens[:, :6], cache).numpy()]
        parts += [ours.forward_cached(tokens[:, i:i + 1], cache).numpy() for i in range(6, 15)]
    np.testing.assert_allclose(np.concatenate(parts, axis=1), full, rtol=1e-9, atol=1e-10)
    assert cache.length == 15 and cache.nbytes == 2 * 2 * 24 * 16 * 8


def test_generate_errors(corpus):
    model = TransformerLM(corpus.vocab_size, 8, 2, 1, 16, 10)
    with pytest.raises(ValueError, match="max_len"):
        generate(model, [[1, 2, 3]], 8)
    assert generate(model, [[1, 2, 3]], 8, use_cache=False).shape == (1, 11)  # slides a window instead
    with pytest.raises(ValueError, match="temperature"):
        generate(model, [[1]], 2, temperature=-1.0)


def test_char_corpus(corpus):
    assert corpus.decode(corpus.encode("the cats see a dog.")) == "the cats see a dog."
    assert corpus.vocab_size == len(set(corpus.text)) and len(corpus.train) > 8 * len(corpus.val)
    x, y = corpus.batch("val", 4, 16, np.random.default_rng(0))
    assert x.shape == y.shape == (4, 16)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    assert dl.data.grammar_text(50, seed=1) == dl.data.grammar_text(50, seed=1) != dl.data.grammar_text(50, seed=2)
    with pytest.raises(ValueError, match="not in this corpus"):
        corpus.encode("THE")


def test_addition_task():
    inputs, sums = dl.data.addition_task(200, digits=3, seed=0).arrays
    assert inputs.shape == (200, 8) and sums.shape == (200, 4)
    as_int = lambda d: (d * 10 ** np.arange(d.shape[1] - 1, -1, -1)).sum(1)  # noqa: E731
    np.testing.assert_array_equal(as_int(inputs[:, :3]) + as_int(inputs[:, 4:7]), as_int(sums))
    assert (inputs[:, 3] == 10).all() and (inputs[:, 7] == 11).all()


@pytest.mark.notebook
def test_transformer_lm_lab_session_runs_in_fast_mode():
    from pathlib import Path

    from dlsys_lab.notebooks import execute_notebook

    nb = execute_notebook(Path(__file__).resolve().parents[1] / "labs" / "01_transformer_lm.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "largest logit difference dlsys_lab vs torch" in text and "perplexity" in text
    assert "time ratio dlsys_lab/torch" in text and "without the cache" in text
    assert "notebook run time" in text
