"""Parity fixtures for the CycleGAN adapter: small ResnetGenerators built in PyTorch from the
published definition of junyanz/pytorch-CycleGAN-and-pix2pix (models/networks.py: ResnetGenerator,
ResnetBlock, get_norm_layer('instance')), written anew here so that module indices, and hence
state-dict names, are those of the official `latest_net_G_A.pth` files.

Run with Debian's python3-torch:  /usr/bin/python3 packages/adapter-cyclegan/scripts/make_parity_fixtures.py
Writes into packages/adapter-cyclegan/fixtures/ (every array NCHW float32, .npy):

  small.pth             ngf 4, 2 blocks, 3 -> 3 channels; state dict saved as the official
                        save_networks does (torch.save(net.state_dict()), zip format)
  small_input.npy       [2, 3, 16, 24] inputs in [-1, 1]
  small_output.npy      net(small_input) in eval mode
  small_probe.npy       R, same shape as the output: the gradient tests use loss = sum(R * output)
  small_grad_input.npy  d loss / d input
  small_grad_<name>.npy d loss / d parameter, for a few parameters (names with '.' -> '_')
  legacy6.pth           ngf 3, 6 blocks, 3 -> 1 channels, built as older releases did
                        (InstanceNorm2d with track_running_stats=True, so running_mean,
                        running_var and num_batches_tracked entries with non-trivial values),
                        legacy (non-zip) torch.save format
  legacy6_input.npy     [2, 3, 20, 20]
  legacy6_output.npy    the output after the official loader's patch: the running-stat entries
                        dropped, instance statistics used (today's get_norm_layer)
  nine.pth              ngf 2, 9 blocks (the official depth; last conv is model.26), 1 -> 3
  nine_input.npy        [1, 1, 16, 16]
  nine_output.npy
  small_dataparallel.pth  small.pth's tensors under nn.DataParallel's 'module.' prefix
  not_a_generator.pth     the state dict of an nn.Linear (for the error message)

Weights are random with a larger spread than the reference's N(0, 0.02) initialisation (and
non-zero biases), so that every layer visibly shapes the output and a layout mistake shows.
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')


def instance_norm(channels, legacy):
    # Today's get_norm_layer('instance'): no affine parameters, no running statistics.
    # Releases before 2018 tracked running statistics (and then used them in eval mode).
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=legacy)


class Block(nn.Module):
    """ResnetBlock with reflection padding, no dropout: x + (pad conv norm relu pad conv norm)(x)."""

    def __init__(self, dim, legacy):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim, legacy), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), instance_norm(dim, legacy))

    def forward(self, x):
        return x + self.conv_block(x)


class Resnet(nn.Module):
    """ResnetGenerator(input_nc, output_nc, ngf, instance norm, use_dropout=False, n_blocks):
    7x7 stem, two stride-2 downsamplings, n_blocks residual blocks at 4 ngf, two transposed-conv
    upsamplings (k3 s2 p1 output_padding 1), 7x7 output conv, tanh. Instance norm means every
    conv has a bias."""

    def __init__(self, input_nc, output_nc, ngf, n_blocks, legacy=False):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=True), instance_norm(ngf, legacy), nn.ReLU(True)]
        for i in range(2):
            width = ngf * 2 ** i
            layers += [nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=True), instance_norm(2 * width, legacy), nn.ReLU(True)]
        layers += [Block(4 * ngf, legacy) for _ in range(n_blocks)]
        for i in range(2):
            width = ngf * 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(width, width // 2, 3, stride=2, padding=1, output_padding=1, bias=True),
                       instance_norm(width // 2, legacy), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def randomize(net, generator):
    with torch.no_grad():
        for name, p in net.named_parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            std = 1.0 / np.sqrt(fan_in) if p.dim() > 1 else 0.3
            p.copy_(torch.randn(p.shape, generator=generator) * std)


def save(name, array):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(array, dtype=np.float32))


def official_patch(state_dict):
    """What the official BaseModel.load_networks does for InstanceNorm layers of today's
    definition: drop running_mean / running_var (the module has none) and num_batches_tracked."""
    return {k: v for k, v in state_dict.items()
            if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked'))}


def small(generator):
    net = Resnet(3, 3, 4, 2)
    randomize(net, generator)
    net.eval()
    torch.save(net.state_dict(), os.path.join(OUT, 'small.pth'))
    torch.save(nn.DataParallel(net).state_dict(), os.path.join(OUT, 'small_dataparallel.pth'))
    x = (torch.rand(2, 3, 16, 24, generator=generator) * 2 - 1).requires_grad_(True)
    y = net(x)
    probe = torch.randn(y.shape, generator=generator)
    (y * probe).sum().backward()
    save('small_input.npy', x.detach().numpy())
    save('small_output.npy', y.detach().numpy())
    save('small_probe.npy', probe.numpy())
    save('small_grad_input.npy', x.grad.numpy())
    params = dict(net.named_parameters())
    for name in ['model.1.weight', 'model.4.weight', 'model.10.conv_block.1.weight', 'model.11.conv_block.5.bias',
                 'model.12.weight', 'model.15.weight', 'model.15.bias', 'model.19.weight', 'model.19.bias']:
        save('small_grad_' + name.replace('.', '_') + '.npy', params[name].grad.numpy())


def legacy6(generator):
    old = Resnet(3, 1, 3, 6, legacy=True)
    randomize(old, generator)
    old.train()
    with torch.no_grad():  # gives the running statistics values far from their (0, 1) start
        for _ in range(3):
            old(torch.rand(2, 3, 20, 20, generator=generator) * 2 - 1)
    state = old.state_dict()
    assert any(k.endswith('num_batches_tracked') for k in state) and any(k.endswith('running_mean') for k in state)
    torch.save(state, os.path.join(OUT, 'legacy6.pth'), _use_new_zipfile_serialization=False)
    new = Resnet(3, 1, 3, 6)
    new.load_state_dict(official_patch(state), strict=True)
    new.eval()
    x = torch.rand(2, 3, 20, 20, generator=generator) * 2 - 1
    with torch.no_grad():
        y = new(x)
        old.eval()
        assert (old(x) - y).abs().max() > 1e-2, 'running statistics should change the output'
    save('legacy6_input.npy', x.numpy())
    save('legacy6_output.npy', y.numpy())


def nine(generator):
    net = Resnet(1, 3, 2, 9)
    randomize(net, generator)
    net.eval()
    assert 'model.26.weight' in net.state_dict()
    torch.save(net.state_dict(), os.path.join(OUT, 'nine.pth'))
    x = torch.rand(1, 1, 16, 16, generator=generator) * 2 - 1
    with torch.no_grad():
        y = net(x)
    save('nine_input.npy', x.numpy())
    save('nine_output.npy', y.numpy())


def main():
    os.makedirs(OUT, exist_ok=True)
    generator = torch.Generator().manual_seed(20210506)
    small(generator)
    legacy6(generator)
    nine(generator)
    torch.save(nn.Linear(2, 3).state_dict(), os.path.join(OUT, 'not_a_generator.pth'))
    print('wrote fixtures to', os.path.normpath(OUT), 'with torch', torch.__version__)


if __name__ == '__main__':
    main()
