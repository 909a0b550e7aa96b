#!/usr/bin/env python3
"""The built-in models of the ember toolkit written in PyTorch (exactly as docs/models.md gives
them), for tests/test_cli_models.cpp: for each model, its state_dict (after a few training-mode
forwards, so batch-norm running statistics are not at their initial values), an input and the
eval-mode output, as safetensors files in OUT_DIR:
    <name>.safetensors        the state_dict, PyTorch's key names
    <name>_io.safetensors     "input" and "output"
    <name>_keys.txt           the state_dict keys in PyTorch's order
With IDX_DIR (a directory holding t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte), also
evaluates mlp and fashion_cnn on those test images the way `ember evaluate` does (pixels / 255,
normalised with mean 0.2860 and std 0.3530; loss and accuracy over the whole split) and writes
OUT_DIR/<name>_test.json {"loss": ..., "accuracy": ...}.
Usage: pytorch_models.py OUT_DIR [IDX_DIR]"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def save_safetensors(path, tensors):
    """The safetensors layout (8-byte header length, JSON header, data), without the package."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def fashion_cnn(dropout_rate=0.5):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(dropout_rate), nn.Linear(128, 10))


class SignsNet(nn.Module):  # CS230 pytorch/vision/model/net.py
    def __init__(self, num_channels=32, dropout_rate=0.5, num_classes=6):
        super().__init__()
        c = self.num_channels = num_channels
        self.conv1 = nn.Conv2d(3, c, 3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, 2 * c, 3, stride=1, padding=1)
        self.bn2 = nn.BatchNorm2d(2 * c)
        self.conv3 = nn.Conv2d(2 * c, 4 * c, 3, stride=1, padding=1)
        self.bn3 = nn.BatchNorm2d(4 * c)
        self.fc1 = nn.Linear(8 * 8 * 4 * c, 4 * c)
        self.fcbn1 = nn.BatchNorm1d(4 * c)
        self.fc2 = nn.Linear(4 * c, num_classes)
        self.dropout_rate = dropout_rate

    def forward(self, s):
        s = F.relu(F.max_pool2d(self.bn1(self.conv1(s)), 2))
        s = F.relu(F.max_pool2d(self.bn2(self.conv2(s)), 2))
        s = F.relu(F.max_pool2d(self.bn3(self.conv3(s)), 2))
        s = s.view(-1, 8 * 8 * 4 * self.num_channels)
        s = F.dropout(F.relu(self.fcbn1(self.fc1(s))), p=self.dropout_rate, training=self.training)
        return F.log_softmax(self.fc2(s), dim=1)


class NerNet(nn.Module):  # CS230 pytorch/nlp/model/net.py
    def __init__(self, vocab_size, embedding_dim, lstm_hidden_dim, number_of_tags):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, lstm_hidden_dim, batch_first=True)
        self.fc = nn.Linear(lstm_hidden_dim, number_of_tags)

    def forward(self, s):
        s = self.embedding(s)
        s, _ = self.lstm(s)
        s = s.contiguous().view(-1, s.shape[2])
        return F.log_softmax(self.fc(s), dim=1)


class Autoencoder(nn.Module):  # "PyTorch from first principles", version 2
    def __init__(self, dim=32, input_shape=784):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(input_shape, 128), nn.ReLU(True), nn.Linear(128, 64), nn.ReLU(True),
                                     nn.Linear(64, dim))
        self.decoder = nn.Sequential(nn.Linear(dim, 64), nn.ReLU(True), nn.Linear(64, 128), nn.ReLU(True),
                                     nn.Linear(128, input_shape), nn.Tanh())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def evaluate(model, idx_dir):
    x = read_idx(f"{idx_dir}/t10k-images-idx3-ubyte").float().unsqueeze(1) / 255
    x = (x - 0.2860) / 0.3530
    y = read_idx(f"{idx_dir}/t10k-labels-idx1-ubyte").long()
    model.eval()
    with torch.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y).item()
        accuracy = (logits.argmax(1) == y).double().mean().item()
    return {"loss": loss, "accuracy": accuracy}


def main(out, idx_dir=None):
    torch.manual_seed(0)
    cases = {
        "mlp": (mlp(), torch.rand(3, 1, 28, 28)),
        "fashion_cnn": (fashion_cnn(0.5), torch.randn(4, 1, 28, 28)),
        "signs_cnn": (SignsNet(4, 0.5, 10), torch.randn(4, 3, 64, 64)),
        "ner_lstm": (NerNet(20, 8, 6, 5), torch.randint(0, 20, (2, 7))),
        "autoencoder": (Autoencoder(32), torch.rand(3, 784) * 2 - 1),
    }
    for name, (model, x) in cases.items():
        model.train()
        with torch.no_grad():
            for _ in range(3):  # move batch-norm running statistics away from (0, 1)
                model(x if x.dtype == torch.int64 else x + torch.randn_like(x))
        model.eval()
        with torch.no_grad():
            y = model(x)
        sd = model.state_dict()
        save_safetensors(f"{out}/{name}.safetensors", sd)
        save_safetensors(f"{out}/{name}_io.safetensors", {"input": x, "output": y})
        with open(f"{out}/{name}_keys.txt", "w") as f:
            f.write("\n".join(sd.keys()) + "\n")
        if idx_dir and name in ("mlp", "fashion_cnn"):
            with open(f"{out}/{name}_test.json", "w") as f:
                json.dump(evaluate(model, idx_dir), f)


if __name__ == "__main__":
    main(*sys.argv[1:3])
