"""PyTorch side of `pnpm bench`: the same steps as ours.ts, on the CPU, for 1 and 2 threads.

Not a test and not used by attrib itself; run by packages/cli/scripts/bench/index.ts with
Debian's /usr/bin/python3 (python3-torch). The DCGAN generator is written here from the layout
described in docs/method.md ("Architectures"): from a 1x1 latent, ConvTranspose2d(k4 s1 p0) to
4x4, then ConvTranspose2d(k4 s2 p1) doubling the side with widths halving down to ngf, each
followed by BatchNorm2d and ReLU, then ConvTranspose2d to the image channels and Tanh; no biases.

Runs with one thread count per process (`--threads T`); the caller also sets OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS to T, since a pthreads OpenBLAS does not follow torch.set_num_threads.
Prints one JSON line: {"torch": version, "blas": library, "threads": T, "times": [seconds...]}.
"""
import argparse
import copy
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def dcgan_generator(resolution, channels, nz=100, ngf=64):
    multipliers = {32: [4, 2, 1], 64: [8, 4, 2, 1]}[resolution]
    widths = [nz] + [m * ngf for m in multipliers]
    layers = []
    for i, (cin, cout) in enumerate(zip(widths[:-1], widths[1:])):
        stride, padding = (1, 0) if i == 0 else (2, 1)
        layers += [nn.ConvTranspose2d(cin, cout, 4, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()]
    net = nn.Sequential(*layers)
    for m in net.modules():
        if isinstance(m, nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


def scores(images, key):
    return images.flatten(1) @ key


def random_bytes(count, channels, side):
    return torch.randint(0, 256, (count, channels, side, side), dtype=torch.uint8)


def read(data, indices):
    return data[indices].float() / 127.5 - 1


class KeyedGenerator:
    """The keyed-generator unit: G_i from a copy of G0 in train mode, G0 in eval mode, Adam(lr, (0.5, 0.99))."""

    def __init__(self, root, key, alpha=10.0, lr=5e-4):
        self.root, self.key, self.alpha = root, key, alpha
        self.generator = copy.deepcopy(root)
        for p in self.generator.parameters():
            p.requires_grad_(True)
        self.generator.train()
        self.optimizer = torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.99))

    def step(self, n):
        z = torch.randn(n, 100, 1, 1)
        with torch.no_grad():
            authentic = self.root(z)
        images = self.generator(z)
        hinge = F.relu(1 + scores(images, self.key)).mean()
        distance = F.mse_loss(images, authentic)
        total = hinge + self.alpha * distance
        self.optimizer.zero_grad()
        total.backward()
        self.optimizer.step()
        return total.item(), hinge.item(), distance.item()

    def check(self, count, batch=50):
        """The end-of-epoch check: share of `count` samples (eval mode) with score <= -1, and < 0."""
        self.generator.eval()
        below = []
        with torch.no_grad():
            for start in range(0, count, batch):
                s = scores(self.generator(torch.randn(min(batch, count - start), 100, 1, 1)), self.key)
                below.append(s)
        self.generator.train()
        s = torch.cat(below)
        return (s <= -1).float().mean().item(), (s < 0).float().mean().item()


def make_root(resolution, channels):
    root = dcgan_generator(resolution, channels)
    root.eval()
    for p in root.parameters():
        p.requires_grad_(False)
    return root


def generator_steps(resolution, channels, batch):
    root = make_root(resolution, channels)
    unit = KeyedGenerator(root, torch.randn(channels * resolution * resolution))
    return lambda: unit.step(batch)


def key_steps(batch, data_size):
    root = make_root(32, 1)
    data = random_bytes(data_size, 1, 32)
    earlier = torch.randn(32 * 32)
    key = torch.randn(32 * 32, requires_grad=True)
    optimizer = torch.optim.Adam([key], lr=1e-3)
    order = []

    def step():
        nonlocal order
        if len(order) < batch:
            order = torch.randperm(data_size).tolist()
        indices, order = order[:batch], order[batch:]
        real = read(data, indices)
        with torch.no_grad():
            authentic = root(torch.randn(batch, 100, 1, 1))
        angle = torch.abs(earlier @ key)
        root_term = F.relu(1 - scores(authentic, key)).mean()
        real_term = F.relu(1 - scores(real, key)).mean()
        total = angle + root_term + real_term
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        return total.item(), angle.item(), root_term.item(), real_term.item()

    return step


def quantize8bit(x):
    unit = (x.clamp(-1, 1) + 1) / 2
    return (torch.floor((unit * 255 + 0.5).clamp(0, 255)) / 255 - 0.5) / 0.5


def evaluation(generators, samples, batch, data_size):
    """Distinguishability and attributability of `generators` keyed generators, as the metrics compute them."""
    root = make_root(32, 1)
    data = random_bytes(data_size, 1, 32)
    models = [copy.deepcopy(root) for _ in range(generators)]
    keys = torch.randn(32 * 32, generators)

    def run():
        with torch.no_grad():
            real_indices = torch.randperm(data_size)[:samples].tolist()
            real_positive = torch.zeros(generators)
            for start in range(0, len(real_indices), batch):
                real_positive += (scores(read(data, real_indices[start:start + batch]), keys) > 0).float().sum(0)
            distinguishability = []
            for g, model in enumerate(models):
                negative = 0
                for start in range(0, samples, batch):
                    images = model(torch.randn(min(batch, samples - start), 100, 1, 1))
                    negative += (scores(images, keys[:, g]) < 0).sum().item()
                distinguishability.append((real_positive[g].item() / len(real_indices) + negative / samples) / 2)
            attributable = []
            for g, model in enumerate(models):
                hits = 0
                for start in range(0, samples, batch):
                    s = scores(quantize8bit(model(torch.randn(min(batch, samples - start), 100, 1, 1))), keys)
                    others = torch.cat([s[:, :g], s[:, g + 1:]], 1)
                    hits += ((s[:, g] < 0) & (others > 0).all(1)).sum().item()
                attributable.append(hits / samples)
            return distinguishability, attributable

    return run


def epoch(batch, data_size, steps, check_samples):
    """One epoch of a keyed generator: 1,000 real scores, the steps, then the check."""
    root = make_root(32, 1)
    data = random_bytes(data_size, 1, 32)
    key = torch.randn(32 * 32)

    def run():
        unit = KeyedGenerator(root, key)
        with torch.no_grad():
            real = scores(read(data, torch.randperm(data_size)[:1000].tolist()), key)
            real_positive = (real > 0).float().mean().item()
        sizes = [min(batch, data_size - start) for start in range(0, data_size, batch)]
        for n in sizes[:steps] if steps else sizes:
            unit.step(n)
        keyed_share, negative = unit.check(check_samples)
        return keyed_share, (real_positive + negative) / 2

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--step', required=True)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--key-batch', type=int, default=128)
    parser.add_argument('--data-size', type=int, default=10000)
    parser.add_argument('--eval-generators', type=int, default=5)
    parser.add_argument('--eval-samples', type=int, default=1000)
    parser.add_argument('--eval-batch', type=int, default=100)
    parser.add_argument('--epoch-steps', type=int, default=0)
    parser.add_argument('--check-samples', type=int, default=2000)
    args = parser.parse_args()
    torch.manual_seed(0)

    if args.step == 'dcgan32-generator-step':
        work, warm = generator_steps(32, 1, args.batch), None
    elif args.step == 'dcgan64-generator-step':
        work, warm = generator_steps(64, 3, args.batch), None
    elif args.step == 'key-step':
        work, warm = key_steps(args.key_batch, args.data_size), None
    elif args.step == 'evaluate':
        work = evaluation(args.eval_generators, args.eval_samples, args.eval_batch, args.data_size)
        warm = evaluation(args.eval_generators, args.eval_batch, args.eval_batch, args.data_size)
    elif args.step == 'generator-epoch':
        work = epoch(args.batch, args.data_size, args.epoch_steps, args.check_samples)
        warm = epoch(args.batch, args.data_size, 3, 50)
    else:
        raise SystemExit(f'unknown --step {args.step}')

    torch.set_num_threads(args.threads)
    for _ in range(args.warmup):
        (warm or work)()
    times = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    print(json.dumps({'torch': torch.__version__, 'blas': blas_library(), 'threads': args.threads, 'times': times}))


def blas_library():
    """The BLAS this process loaded (Debian picks it through update-alternatives or LD_LIBRARY_PATH)."""
    with open('/proc/self/maps') as maps:
        paths = {line.split()[-1] for line in maps if 'blas' in line}
    return sorted(paths)[0] if paths else 'unknown'


if __name__ == '__main__':
    main()
