"""Exports PyTorch models with torch.onnx.export (Debian's python3-torch
1.13) at opsets 13 and 17 into DIR/NAME_opsetN.onnx, with the input and
torch's outputs in DIR/NAME_opsetN.json, for onnx/TestTorchGolden.

Run by scripts/onnx-check.sh:  /usr/bin/python3 torch-export.py DIR
"""
import json
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)


class TextCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 8)
        self.c1 = nn.Conv1d(8, 6, 3, padding=1)
        self.pool = nn.MaxPool1d(2)
        self.c2 = nn.Conv1d(6, 5, 3, stride=2)
        self.gmp = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):
        h = self.emb(x).permute(0, 2, 1)
        h = self.pool(torch.relu(self.c1(h)))
        h = self.gmp(torch.relu(self.c2(h))).squeeze(-1)
        return torch.softmax(self.fc(h), dim=-1)


class KimCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(40, 8)
        self.convs = nn.ModuleList([nn.Conv1d(8, 4, k) for k in (2, 3, 4)])
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(12, 2)

    def forward(self, x):
        h = self.emb(x).transpose(1, 2)
        hs = [torch.max(torch.relu(c(h)), dim=2)[0] for c in self.convs]
        return self.fc(self.drop(torch.cat(hs, dim=1)))


class SeriesCNN(nn.Module):
    """Channels-first float input (batch, 2, 24)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(2, 4, 5, padding=2)
        self.pool = nn.AvgPool1d(2)
        self.c2 = nn.Conv1d(4, 4, 3, dilation=2, groups=2)
        self.fc = nn.Linear(4 * 8, 1)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        h = self.pool(torch.tanh(self.c1(x)))
        h = torch.sigmoid(self.c2(h))
        return self.fc(torch.flatten(h, 1)), self.fc2(h.mean(dim=2))


class GRUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, 6)
        self.gru = nn.GRU(6, 5, batch_first=True)
        self.fc = nn.Linear(5, 1)

    def forward(self, x):
        out, _ = self.gru(self.emb(x))
        return torch.sigmoid(self.fc(out[:, -1, :]))


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.fc(h[-1])


class BiLSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30, 6)
        self.lstm = nn.LSTM(6, 4, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        _, (h, _) = self.lstm(self.emb(x))
        return self.fc(torch.cat([h[-2], h[-1]], dim=1))


class BiGRUNet(nn.Module):
    """Uses the sequence output: the last step and the mean over steps."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 4, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(16, 2)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(torch.cat([out[:, -1, :], out.mean(dim=1)], dim=1))


class MixNet(nn.Module):
    """padding=1 (Keras same), AdaptiveAvgPool1d, an LSTM's
    sequence output (last step) and a flattened embedding, concatenated."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(25, 4)
        self.conv = nn.Conv1d(4, 5, 3, padding=1)
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.lstm = nn.LSTM(4, 3, batch_first=True)
        self.fc = nn.Linear(5 + 3 + 4 * 7, 2)

    def forward(self, x):
        e = self.emb(x)
        c = self.gap(torch.relu(self.conv(e.transpose(1, 2)))).squeeze(2)
        out, _ = self.lstm(e)
        return torch.softmax(self.fc(torch.cat([c, out[:, -1, :], e.flatten(1)], dim=1)), dim=1)


class NormNet(nn.Module):
    """Channels-first series: Conv1d, BatchNorm1d (eval, non-trivial running
    statistics), MaxPool1d, LayerNorm over channels (written out as
    ReduceMean, Sub, Pow, … below opset 17), GRU, h_n[-1]."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 6, 5, padding=2)
        self.bn = nn.BatchNorm1d(6)
        self.bn.running_mean.uniform_(-0.5, 0.5)
        self.bn.running_var.uniform_(0.5, 1.5)
        self.bn.weight.data.uniform_(0.5, 1.5)
        self.bn.bias.data.uniform_(-0.5, 0.5)
        self.pool = nn.MaxPool1d(2)
        self.ln = nn.LayerNorm(6)
        self.gru = nn.GRU(6, 4, batch_first=True)
        self.fc = nn.Linear(4, 1)

    def forward(self, x):
        h = self.pool(torch.relu(self.bn(self.conv(x))))
        h = self.ln(h.transpose(1, 2))
        _, hn = self.gru(h)
        return self.fc(hn[-1])


def tokens(vocab, steps):
    return torch.randint(1, vocab, (3, steps))


MODELS = [
    ("textcnn", TextCNN, lambda: tokens(50, 20)),
    ("kimcnn", KimCNN, lambda: tokens(40, 16)),
    ("seriescnn", SeriesCNN, lambda: torch.randn(3, 2, 24)),
    ("gru", GRUNet, lambda: tokens(30, 10)),
    ("lstm", LSTMNet, lambda: torch.randn(3, 12, 3)),
    ("bilstm", BiLSTMNet, lambda: tokens(30, 9)),
    ("bigru", BiGRUNet, lambda: torch.randn(3, 11, 3)),
    ("mix", MixNet, lambda: tokens(25, 7)),
    ("norm", NormNet, lambda: torch.randn(3, 3, 16)),
]


def arr(t, is_int=False):
    d = {"shape": list(t.shape), "data": [float(v) for v in t.flatten().tolist()]}
    if is_int:
        d["int"] = True
    return d


def main(out):
    for name, cls, make_input in MODELS:
        m = cls().eval()
        x = make_input()
        with torch.no_grad():
            y = m(x)
        ys = list(y) if isinstance(y, tuple) else [y]
        for opset in (13, 17):
            path = "%s/%s_opset%d" % (out, name, opset)
            torch.onnx.export(m, (x,), path + ".onnx", opset_version=opset, input_names=["x"],
                              output_names=["y%d" % i for i in range(len(ys))],
                              dynamic_axes={"x": {0: "batch"}})
            with open(path + ".json", "w") as f:
                json.dump({"input": arr(x, x.dtype == torch.int64), "reference": [arr(v) for v in ys],
                           "by": "torch " + torch.__version__}, f)
            print("torch exported", path + ".onnx")


if __name__ == "__main__":
    main(sys.argv[1])
