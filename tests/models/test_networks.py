import numpy as np
import pytest
import torch

from helpers import small_model_config
from videoaffect.core.modality import ModalitySpec
from videoaffect.models.config import ConfigError, ModelConfig
from videoaffect.models.networks import ClipBatch, InterClipLSTM, IntraClipModel, ModalityEncoder, ema


def cfg(**kw):
    specs = (ModalitySpec("audio", (6,)), ModalitySpec("action", (4, 8, 8)))
    base = dict(modalities=specs, hidden_size=8, head_hidden=8, context_hidden=4, map_channels=(4, 4), map_embedding=8)
    base.update(kw)
    return ModelConfig(**base)


def batch(b=5, t=10, lengths=None, present=None):
    torch.manual_seed(0)
    lengths = torch.tensor(lengths if lengths is not None else [t] * b)
    inputs = {"audio": torch.randn(b, t, 6), "action": torch.randn(b, t, 4, 8, 8)}
    pres = {k: torch.ones(b, dtype=torch.bool) for k in inputs}
    pres.update(present or {})
    return ClipBatch(inputs, pres, lengths)


def test_encoder_clip_feature_is_last_layer_final_states_of_both_directions():
    torch.manual_seed(0)
    enc = ModalityEncoder(ModalitySpec("audio", (6,)), cfg())
    x = torch.randn(3, 10, 6)
    feat = enc(x, torch.tensor([10, 10, 10]))
    out, _ = enc.lstm(x)
    assert feat.shape == (3, 16)
    torch.testing.assert_close(feat[:, :8], out[:, -1, :8])  # forward direction ends at the last step
    torch.testing.assert_close(feat[:, 8:], out[:, 0, 8:])  # backward direction ends at the first step


def test_short_clip_is_encoded_at_its_true_length_whatever_the_padding():
    torch.manual_seed(0)
    enc = ModalityEncoder(ModalitySpec("audio", (6,)), cfg()).eval()
    x = torch.randn(2, 10, 6)
    padded = enc(x, torch.tensor([10, 4]))
    alone = enc(x[1:, :4], torch.tensor([4]))
    torch.testing.assert_close(padded[1:], alone)
    x2 = x.clone()
    x2[1, 4:] = 99.0  # garbage padding changes nothing
    torch.testing.assert_close(enc(x2, torch.tensor([10, 4])), padded)


def test_feature_map_modality_runs_through_trainable_conv_head():
    model = IntraClipModel(cfg())
    out = model(batch())
    assert out.shape == (5,) and (out.abs() <= 1).all()
    assert model.encoders["action"].frame_head is not None
    loss = out.sum()
    loss.backward()
    assert model.encoders["action"].frame_head.convs[0].weight.grad.abs().sum() > 0


def test_absent_modality_adds_nothing_to_the_sum():
    model = IntraClipModel(cfg()).eval()
    b = batch(present={"action": torch.tensor([True, False, True, False, True])})
    fused = model.fuse(b)
    audio_only = model.fuse(b, ["audio"])
    torch.testing.assert_close(fused[1], audio_only[1])
    assert not torch.allclose(fused[0], audio_only[0])


def test_batch_invariance():
    model = IntraClipModel(cfg()).eval()
    b = batch(b=6)
    full = model(b)
    half = model(ClipBatch({k: v[:3] for k, v in b.inputs.items()}, {k: v[:3] for k, v in b.present.items()}, b.lengths[:3]))
    torch.testing.assert_close(full[:3], half, rtol=1e-5, atol=1e-6)


def test_ema_matches_equation_2():
    y = np.array([0.5, -0.2, 0.9, 0.1, 0.0])
    beta = 0.9
    out = ema(y, beta, "first")
    expected = [0.5]
    for v in y[1:]:
        expected.append(beta * expected[-1] + (1 - beta) * v)
    np.testing.assert_allclose(out, expected)
    # closed form of the zero-initialised recurrence: sum_k (1-b) b^(i-k) y_k
    zero = ema(y, beta, "zero")
    closed = [sum((1 - beta) * beta ** (i - k) * y[k] for k in range(i + 1)) for i in range(len(y))]
    np.testing.assert_allclose(zero, closed)
    np.testing.assert_allclose(ema(y, 0.0), y)


def test_inter_clip_lstm_shapes_and_range():
    c = cfg()
    net = InterClipLSTM(c)
    out = net(torch.randn(3, 4, c.head_hidden), torch.tensor([4, 4, 2]))
    assert out.shape == (3, 4) and (out.abs() <= 1).all()


def test_classification_head_gives_logits(tiny_corpus):
    c = small_model_config(tiny_corpus, output="classification", num_classes=3)
    assert c.resolved_context == "none" and c.out_dim == 3
    # a forward pass: one unsquashed score per class (no tanh, unlike regression)
    model = IntraClipModel(cfg(output="classification", num_classes=3, class_thresholds=c.class_thresholds))
    with torch.no_grad():
        model.head.fc2.weight.zero_()
        model.head.fc2.bias.copy_(torch.tensor([5.0, -3.0, 0.5]))
        logits = model(batch())
    assert logits.shape == (5, 3)
    torch.testing.assert_close(logits, torch.tensor([[5.0, -3.0, 0.5]]).expand(5, 3))
    regression = IntraClipModel(cfg())
    with torch.no_grad():
        regression.head.fc2.weight.zero_()
        regression.head.fc2.bias.fill_(5.0)
        torch.testing.assert_close(regression(batch()), torch.full((5,), float(np.tanh(5.0))))
    with pytest.raises(ConfigError, match="no inter-clip context"):
        small_model_config(tiny_corpus, output="classification", context="lstm")
    with pytest.raises(ConfigError, match="class_thresholds"):
        small_model_config(tiny_corpus, output="classification", num_classes=4)


def test_config_round_trip_through_json(tiny_corpus):
    import json

    c = small_model_config(tiny_corpus, task="arousal", ema_beta=0.97)
    again = ModelConfig.from_dict(json.loads(json.dumps(c.to_dict())))
    assert again == c
    assert c.resolved_context == "ema"
