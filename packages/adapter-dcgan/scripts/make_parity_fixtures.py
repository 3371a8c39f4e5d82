"""Parity fixtures for the DCGAN adapter's reference import: the reference release's DCGAN
generators written in PyTorch from their published description (docs/method.md: ConvTranspose2d
without bias, BatchNorm2d, ReLU, Tanh; state-dict names convT1.., batch1..), at reduced width.

Run with Debian's python3-torch:  /usr/bin/python3 packages/adapter-dcgan/scripts/make_parity_fixtures.py
Writes into packages/adapter-dcgan/fixtures/, for each variant NAME in dcgan32_c1, dcgan32_c3,
dcgan64_c1, dcgan64_c3:
  NAME.pth          the generator's state_dict (32x32 ones in the legacy torch.save format, 64x64
                    ones in the zip format), batch norms with random affine parameters and running
                    statistics
  NAME_latents.npy  [2, nz, 1, 1] float32 latents, shaped as the reference feeds them
  NAME_out.npy      the generator's output in eval mode, NCHW float32
and dcgan32_c1_dataparallel.pth, the 32x32 grey state dict as saved from nn.DataParallel
('module.' prefixes).
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
NZ = 16
NGF = 3


class ReferenceDcgan(nn.Module):
    """64x64: nz -> 8ngf -> 4ngf -> 2ngf -> ngf -> nc (convT1..convT5, batch1..batch4).
    32x32 ("theory" variant): nz -> 4ngf -> 2ngf -> ngf -> nc, its layers named convT1, convT2,
    convT3, convT5 and batch1..batch3 (the fourth block of the 64x64 network is left out)."""

    def __init__(self, resolution, nc):
        super().__init__()
        multipliers = [4, 2, 1] if resolution == 32 else [8, 4, 2, 1]
        widths = [NZ] + [m * NGF for m in multipliers]
        self.order = []
        for i, (cin, cout) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            stride, padding = (1, 0) if i == 1 else (2, 1)
            setattr(self, f'convT{i}', nn.ConvTranspose2d(cin, cout, 4, stride, padding, bias=False))
            setattr(self, f'batch{i}', nn.BatchNorm2d(cout))
            self.order.append((f'convT{i}', f'batch{i}'))
        self.convT5 = nn.ConvTranspose2d(NGF, nc, 4, 2, 1, bias=False)

    def forward(self, z):
        x = z
        for conv, bn in self.order:
            x = torch.relu(getattr(self, bn)(getattr(self, conv)(x)))
        return torch.tanh(self.convT5(x))


def randomise(net, g):
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.startswith('batch') and name.endswith('weight'):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.startswith('batch'):
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
        for name, b in net.named_buffers():
            if name.endswith('running_mean'):
                b.copy_(0.3 * torch.randn(b.shape, generator=g))
            elif name.endswith('running_var'):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))
            elif name.endswith('num_batches_tracked'):
                b.fill_(1234)


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(64)
    for resolution in [32, 64]:
        for nc in [1, 3]:
            name = f'dcgan{resolution}_c{nc}'
            net = ReferenceDcgan(resolution, nc)
            randomise(net, g)
            net.eval()
            legacy = resolution == 32
            torch.save(net.state_dict(), os.path.join(OUT, name + '.pth'), _use_new_zipfile_serialization=not legacy)
            z = torch.randn(2, NZ, 1, 1, generator=g)
            with torch.no_grad():
                out = net(z)
            assert out.shape == (2, nc, resolution, resolution)
            np.save(os.path.join(OUT, name + '_latents.npy'), z.numpy().astype(np.float32))
            np.save(os.path.join(OUT, name + '_out.npy'), out.numpy().astype(np.float32))
            if name == 'dcgan32_c1':
                wrapped = {'module.' + k: v for k, v in net.state_dict().items()}
                torch.save(wrapped, os.path.join(OUT, name + '_dataparallel.pth'))


if __name__ == '__main__':
    main()
