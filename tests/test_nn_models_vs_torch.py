"""Today's models against their torch twins, in float64 on every device: MultiheadAttention, the
Transformer encoder layer, RNN/LSTM and their cells, BatchNorm2d, the residual CNN block, and the small ops
(Tensor ** Tensor, dilate/undilate, comparisons, clip_grad_norm_). torch's state_dict loads into each as is.
"""
import numpy as np
import pytest
import torch

import dlsys_lab as dl
from dlsys_lab import nn

TOL = dict(rtol=1e-6, atol=1e-8)


def _flat(out):
    """The tensors of a nested (output, (h, c)) result, in order."""
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flat(item)]
    return [out]


def _load(ours, theirs):
    """torch's weights into ours, exactly as the issue asks: {k: v.numpy()} of its state_dict."""
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state) or set(ours.state_dict()) == set(state)
    for k, v in ours.state_dict().items():
        assert v.shape == tuple(state[k].shape), k
    ours.load_state_dict({k: v.numpy() for k, v in state.items()})


def _compare(ours, theirs, inputs, device, call=lambda m, *xs: m(*xs), torch_call=None):
    """Same outputs, input gradients and parameter gradients for one weighted sum of all outputs."""
    theirs = theirs.double()
    theirs.zero_grad(set_to_none=True)
    _load(ours, theirs)
    xs = [dl.Tensor(a, device=device, dtype="float64") for a in inputs]
    txs = [torch.tensor(a, requires_grad=True) for a in inputs]
    outs, t_outs = _flat(call(ours, *xs)), _flat((torch_call or call)(theirs, *txs))
    assert len(outs) == len(t_outs)
    rng = np.random.default_rng(7)
    loss, t_loss = 0.0, 0.0
    for out, t_out in zip(outs, t_outs):
        np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), **TOL)
        w = rng.standard_normal(out.shape)
        loss = (out * dl.Tensor(w, device=device, dtype="float64", requires_grad=False)).sum() + loss
        t_loss = (t_out * torch.tensor(w)).sum() + t_loss
    loss.backward()
    t_loss.backward()
    for x, tx in zip(xs, txs):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **TOL)
    t_params = dict(theirs.named_parameters())
    assert len(ours.named_parameters()) == len(t_params)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), **TOL, err_msg=name)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- attention ------------------------------------------------------------------------------------
def _torch_mha(e, h, bias=True):
    return torch.nn.MultiheadAttention(e, h, bias=bias, batch_first=True)


@pytest.mark.parametrize("bias", [True, False])
def test_mha_cross_attention(device_name, bias):
    torch.manual_seed(0)
    ours = nn.MultiheadAttention(8, 2, bias=bias, device=device_name, dtype="float64")
    _compare(ours, _torch_mha(8, 2, bias), [_x(2, 3, 8), _x(2, 5, 8, seed=1), _x(2, 5, 8, seed=2)], device_name)


@pytest.mark.parametrize("mask_kind", ["causal", "bool", "float", "per_head"])
def test_mha_self_attention_masks(device_name, mask_kind):
    torch.manual_seed(1)
    b, t, e, h = 2, 5, 12, 3
    rng = np.random.default_rng(3)
    masks = {"causal": None,
             "bool": np.triu(np.ones((t, t), bool), 1),
             "float": rng.standard_normal((t, t)),
             "per_head": rng.standard_normal((b * h, t, t))}
    mask = masks[mask_kind]
    causal = torch.nn.Transformer.generate_square_subsequent_mask(t, dtype=torch.float64)

    def ours_call(m, x):
        if mask is None:
            return m(x, x, x, is_causal=True)  # is_causal alone builds the mask
        return m(x, x, x, attn_mask=mask)

    def torch_call(m, x):
        return m(x, x, x, attn_mask=causal if mask is None else torch.tensor(mask))

    ours = nn.MultiheadAttention(e, h, device=device_name, dtype="float64")
    _compare(ours, _torch_mha(e, h), [_x(b, t, e)], device_name, ours_call, torch_call)


def test_mha_key_padding_mask_with_causal_mask(device_name):
    torch.manual_seed(8)
    padding = np.array([[False] * 5, [False, False, False, True, True]])  # the second sequence has 3 keys
    causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)  # boolean, like the padding mask
    ours = nn.MultiheadAttention(8, 2, device=device_name, dtype="float64")
    _compare(ours, _torch_mha(8, 2), [_x(2, 5, 8)], device_name,
             lambda m, x: m(x, x, x, is_causal=True, key_padding_mask=padding),
             lambda m, x: m(x, x, x, attn_mask=causal, key_padding_mask=torch.tensor(padding)))


def test_mha_state_dict_keys_and_errors():
    ours, theirs = nn.MultiheadAttention(8, 2), _torch_mha(8, 2)
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: tuple(v.shape) for k, v in
                                                                   theirs.state_dict().items()}
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(8, 3)
    x = dl.Tensor(_x(2, 3, 8))
    with pytest.raises(ValueError, match="batch \\* num_heads"):
        ours(x, x, x, attn_mask=np.zeros((3, 3, 3)))


@pytest.mark.parametrize("causal", [False, True])
def test_transformer_encoder_layer(device_name, causal):
    torch.manual_seed(2)
    ours = nn.TransformerEncoderLayer(12, 3, dim_feedforward=20, device=device_name, dtype="float64")
    theirs = torch.nn.TransformerEncoderLayer(12, 3, dim_feedforward=20, dropout=0.0, batch_first=True,
                                              norm_first=True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    _compare(ours, theirs, [_x(2, 4, 12)], device_name,
             lambda m, x: m(x, is_causal=causal),
             lambda m, x: m(x, src_mask=mask if causal else None, is_causal=causal))


def test_attention_dropout_drops_and_scales():
    nn.init.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5, dtype="float64")
    x = dl.Tensor(_x(1, 6, 8), dtype="float64")
    _, weights = m(x, x, x)
    m.eval()
    _, clean = m(x, x, x)
    np.testing.assert_allclose(clean.numpy().sum(-1), 1.0)
    assert not np.allclose(weights.numpy(), clean.numpy())


# ---- recurrent ------------------------------------------------------------------------------------
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_two_layers(device_name, nonlinearity):
    torch.manual_seed(3)
    ours = nn.RNN(4, 6, num_layers=2, nonlinearity=nonlinearity, device=device_name, dtype="float64")
    theirs = torch.nn.RNN(4, 6, num_layers=2, nonlinearity=nonlinearity, batch_first=True)
    _compare(ours, theirs, [_x(3, 5, 4), _x(2, 3, 6, seed=1)], device_name)


def test_lstm_two_layers(device_name):
    torch.manual_seed(4)
    ours = nn.LSTM(4, 5, num_layers=2, device=device_name, dtype="float64")
    theirs = torch.nn.LSTM(4, 5, num_layers=2, batch_first=True)
    _compare(ours, theirs, [_x(3, 6, 4), _x(2, 3, 5, seed=1), _x(2, 3, 5, seed=2)], device_name,
             lambda m, x, h, c: m(x, (h, c)))
    _compare(ours, theirs, [_x(2, 4, 4)], device_name)  # zero initial state
    _compare(nn.LSTM(3, 2, 1, False, device=device_name, dtype="float64"), torch.nn.LSTM(3, 2, 1, False,
                                                                                        batch_first=True),
             [_x(2, 3, 3)], device_name)  # no bias


def test_cells(device_name):
    torch.manual_seed(5)
    _compare(nn.RNNCell(4, 3, device=device_name, dtype="float64"), torch.nn.RNNCell(4, 3),
             [_x(2, 4), _x(2, 3, seed=1)], device_name)
    _compare(nn.RNNCell(4, 3, False, "relu", device=device_name, dtype="float64"),
             torch.nn.RNNCell(4, 3, False, "relu"), [_x(2, 4)], device_name)  # no bias, zero state
    _compare(nn.LSTMCell(4, 3, device=device_name, dtype="float64"), torch.nn.LSTMCell(4, 3),
             [_x(2, 4), _x(2, 3, seed=1), _x(2, 3, seed=2)], device_name, lambda m, x, h, c: m(x, (h, c)))


def test_rnn_errors():
    with pytest.raises(ValueError, match="batch-first"):
        nn.LSTM(4, 5)(dl.Tensor(_x(3, 4)))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(4, 5, nonlinearity="sigmoid")


# ---- convolutional --------------------------------------------------------------------------------
def test_batchnorm2d_train_then_eval(device_name):
    torch.manual_seed(6)
    ours, theirs = nn.BatchNorm2d(3, device=device_name, dtype="float64"), torch.nn.BatchNorm2d(3).double()
    _compare(ours, theirs, [_x(4, 3, 5, 2)], device_name)
    for k, v in theirs.state_dict().items():  # running stats and num_batches_tracked updated alike
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), **TOL, err_msg=k)
    ours.eval(), theirs.eval()
    x = _x(2, 3, 4, 4, seed=1)
    np.testing.assert_allclose(ours(dl.Tensor(x, device=device_name, dtype="float64")).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), **TOL)


def test_batchnorm1d_state_dict_has_num_batches_tracked():
    assert set(nn.BatchNorm1d(3).state_dict()) == set(torch.nn.BatchNorm1d(3).state_dict())


class TorchBasicBlock(torch.nn.Module):
    """torchvision's BasicBlock, written out (torchvision is not a dependency)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                  torch.nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


@pytest.mark.parametrize("cin, cout, stride", [(3, 3, 1), (2, 4, 2)])
def test_residual_block(device_name, cin, cout, stride):
    torch.manual_seed(7)
    _compare(nn.ResidualBlock(cin, cout, stride, device=device_name, dtype="float64"),
             TorchBasicBlock(cin, cout, stride), [_x(2, cin, 6, 6)], device_name)


# ---- positional embeddings ------------------------------------------------------------------------
def test_sinusoidal_encoding_formula():
    table = nn.positional.sinusoidal_table(7, 6)
    pos, i = 5, 2  # column 2i = 4 is sin(pos / 10000^(4/6)), column 5 its cosine
    assert np.isclose(table[pos, 4], np.sin(pos / 10000 ** (4 / 6)))
    assert np.isclose(table[pos, 5], np.cos(pos / 10000 ** (4 / 6)))
    enc = nn.SinusoidalPositionalEncoding(6, max_len=7, dtype="float64")
    x = _x(2, 3, 6)
    np.testing.assert_allclose(enc(dl.Tensor(x, dtype="float64"), offset=2).numpy(), x + table[2:5])
    with pytest.raises(ValueError, match="max_len"):
        enc(dl.Tensor(_x(1, 8, 6)))


def test_learned_positions_get_gradients(device_name):
    emb = nn.LearnedPositionalEmbedding(5, 4, device=device_name, dtype="float64")
    x = dl.Tensor(_x(2, 3, 4), device=device_name, dtype="float64")
    emb(x).sum().backward()
    expected = np.zeros((5, 4))
    expected[:3] = 2.0  # each of the first three positions is used by both sequences
    np.testing.assert_allclose(emb.weight.grad.numpy(), expected)


# ---- small ops ------------------------------------------------------------------------------------
def test_tensor_power_tensor(device_name):
    a_np, b_np = np.abs(_x(3, 4)) + 0.5, _x(3, 4, seed=1)
    a, b = (dl.Tensor(v, device=device_name, dtype="float64") for v in (a_np, b_np))
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a_np, b_np))
    out, t_out = a ** b, ta ** tb
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), **TOL)
    out.sum().backward(), t_out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **TOL)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), **TOL)
    np.testing.assert_allclose((2.0 ** b).numpy(), 2.0 ** b_np, **TOL)  # a number as base
    assert dl.gradcheck(lambda x, y: (x ** y).sum(), dl.Tensor(a_np[:2, :2], dtype="float64"),
                        dl.Tensor(b_np[:2, :2], dtype="float64"))


@pytest.mark.parametrize("axes, dilation", [((0,), 1), ((0, 1), 2), ((1,), 0)])
def test_dilate_undilate(device_name, axes, dilation):
    x_np = _x(3, 4)
    x = dl.Tensor(x_np, device=device_name, dtype="float64")
    out = dl.ops.dilate(x, axes, dilation)
    expected = x_np
    for axis in axes:  # needle's definition: dilation zeros after each entry
        shape = list(expected.shape)
        shape[axis] *= dilation + 1
        spread = np.zeros(shape)
        spread[tuple(slice(None, None, dilation + 1) if d == axis else slice(None) for d in range(2))] = expected
        expected = spread
    np.testing.assert_allclose(out.numpy(), expected)
    np.testing.assert_allclose(dl.ops.undilate(out, axes, dilation).numpy(), x_np)
    w = _x(*out.shape, seed=2)
    (out * dl.Tensor(w, device=device_name, dtype="float64", requires_grad=False)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), dl.ops.undilate(dl.Tensor(w, dtype="float64"), axes, dilation).numpy())
    with pytest.raises(ValueError, match="out of range"):
        dl.ops.dilate(x, (2,), 1)


def test_undilate_gradient_on_uneven_length():
    x = dl.Tensor(_x(5, 2), dtype="float64")
    assert dl.gradcheck(lambda t: (dl.ops.undilate(t, 0, 1) ** 2).sum(), x)


@pytest.mark.parametrize("op", [">", "<", "<=", ">=", "!="])
def test_comparisons_match_numpy(device_name, op):
    rng = np.random.default_rng(0)
    a_np = rng.integers(-2, 3, (4, 5)).astype(np.float64)
    b_np = rng.integers(-2, 3, (1, 5)).astype(np.float64)
    a_np[0, 0] = np.nan  # NaN compares false, except for !=
    a, b = dl.Tensor(a_np, device=device_name, dtype="float64"), dl.Tensor(b_np, device=device_name, dtype="float64")
    fn = {">": np.greater, "<": np.less, "<=": np.less_equal, ">=": np.greater_equal, "!=": np.not_equal}[op]
    for other, other_np in ((b, b_np), (0.0, 0.0), (1, 1)):
        got = eval(f"a {op} other").numpy()
        np.testing.assert_array_equal(got, fn(a_np, other_np).astype(np.float64))
    assert not eval(f"a {op} b").requires_grad


@pytest.mark.parametrize("max_norm, norm_type", [(0.5, 2.0), (100.0, 2.0), (0.3, 1.0), (0.2, float("inf"))])
def test_clip_grad_norm(device_name, max_norm, norm_type):
    grads = [_x(3, 4), _x(5, seed=1)]
    ours = [dl.Tensor(np.zeros_like(g), device=device_name, dtype="float64") for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad, tp.grad = dl.Tensor(g, device=device_name, dtype="float64", requires_grad=False), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    np.testing.assert_allclose(total.numpy(), t_total.numpy(), **TOL)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), **TOL)


def test_fused_softmax_equals_composed_and_differentiates_twice(device_name):
    from dlsys_lab.autodiff.ops_softmax import softmax_fused

    x_np = _x(3, 5)
    x_np[0, 1] = -np.inf  # a masked entry gets probability 0
    x = dl.Tensor(x_np, device=device_name, dtype="float64")
    np.testing.assert_allclose(softmax_fused(x, 1).numpy(), torch.softmax(torch.tensor(x_np), 1).numpy(), **TOL)
    w = dl.Tensor(_x(3, 5, seed=1), dtype="float64", requires_grad=False)
    finite = dl.Tensor(_x(3, 5, seed=2), dtype="float64")
    assert dl.gradcheck(lambda t: (softmax_fused(t, 0) * w).sum(), finite)
    v = dl.Tensor(_x(3, 5, seed=3), dtype="float64", requires_grad=False)  # a Hessian-vector product, vs torch
    hvp = dl.grad(lambda t: (dl.grad(lambda u: (softmax_fused(u, 1) ** 2 * w).sum())(t) * v).sum())(finite)
    tx = torch.tensor(finite.numpy(), requires_grad=True)
    (g,) = torch.autograd.grad((torch.softmax(tx, 1) ** 2 * torch.tensor(w.numpy())).sum(), tx, create_graph=True)
    (t_hvp,) = torch.autograd.grad(g, tx, torch.tensor(v.numpy()))
    np.testing.assert_allclose(hvp.numpy(), t_hvp.numpy(), **TOL)
