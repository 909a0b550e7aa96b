#!/usr/bin/python3
"""PyTorch's side of tests/test_interop.cpp: state_dicts cross between ember and PyTorch as safetensors.

    /usr/bin/python3 tests/interop/torch_interop.py WORKDIR

Reads from WORKDIR (written by ember):
  inputs.safetensors        x_mlp (4,6), x_cnn (3,2,8,8)
  ember_mlp.safetensors     ember::save of the MLP below
  ember_cnn.safetensors     ember::save of the CNN below (batch-norm statistics included)
  ember_ckpt.safetensors    an ember training checkpoint of the MLP (tensors "model.*", "optimizer.*")
Writes to WORKDIR:
  torch_from_ember.safetensors  out_mlp, out_cnn, out_ckpt: PyTorch's outputs with ember's weights
  torch_mlp.safetensors, torch_cnn.safetensors  PyTorch-initialised state_dicts (after 3 training-mode
                                                 batches through the CNN, so its running stats move)
  torch_outputs.safetensors     out_mlp, out_cnn: PyTorch's outputs with those weights (eval mode)

The `safetensors` package is not needed: the format (8-byte little-endian header length, JSON header,
raw little-endian data) is read and written by hand here, independently of ember's implementation.
Exit status 0 on success; on any problem a message on stderr and status 1.
"""
import json
import struct
import sys

import torch
from torch import nn

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    buf = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        raw = bytearray(buf[begin:end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 3))


def cnn():
    return nn.Sequential(nn.Conv2d(2, 4, 3, 1, 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 5))


def main(workdir):
    torch.set_grad_enabled(False)
    inputs, _ = read_safetensors(f"{workdir}/inputs.safetensors")
    x_mlp, x_cnn = inputs["x_mlp"], inputs["x_cnn"]

    # ember -> PyTorch: strict loads, no renaming.
    outs = {}
    for name, make, x in (("mlp", mlp, x_mlp), ("cnn", cnn, x_cnn)):
        model = make()
        state, meta = read_safetensors(f"{workdir}/ember_{name}.safetensors")
        model.load_state_dict(state, strict=True)
        model.eval()
        outs["out_" + name] = model(x)
    ckpt, meta = read_safetensors(f"{workdir}/ember_ckpt.safetensors")
    if meta.get("ember.checkpoint") != "1":
        raise RuntimeError(f"ember_ckpt.safetensors: unexpected metadata {meta}")
    model = mlp()
    model.load_state_dict({k[len("model."):]: v for k, v in ckpt.items() if k.startswith("model.")}, strict=True)
    outs["out_ckpt"] = model(x_mlp)
    write_safetensors(f"{workdir}/torch_from_ember.safetensors", outs)

    # PyTorch -> ember.
    torch.manual_seed(1234)
    m, c = mlp(), cnn()
    c.train()
    for _ in range(3):
        c(torch.randn(5, 2, 8, 8) * 2 + 0.5)
    m.eval()
    c.eval()
    write_safetensors(f"{workdir}/torch_mlp.safetensors", m.state_dict(), {"format": "pt"})
    write_safetensors(f"{workdir}/torch_cnn.safetensors", c.state_dict(), {"format": "pt"})
    write_safetensors(f"{workdir}/torch_outputs.safetensors", {"out_mlp": m(x_mlp), "out_cnn": c(x_cnn)})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: torch_interop.py WORKDIR")
    try:
        main(sys.argv[1])
    except Exception as e:  # report, don't dump a traceback into the C++ test's output only
        import traceback
        traceback.print_exc()
        sys.exit(f"torch_interop.py: {type(e).__name__}: {e}")
