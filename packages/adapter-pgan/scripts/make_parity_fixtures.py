"""Parity fixtures for the PGAN adapter: a small Progressive GAN generator built in PyTorch from
the published definition of facebookresearch/pytorch_GAN_zoo (models/networks/progressive_conv_net.py
GNet and models/networks/custom_layers.py), written anew here at reduced width and depth.

Run with Debian's python3-torch:  /usr/bin/python3 packages/adapter-pgan/scripts/make_parity_fixtures.py
Writes into packages/adapter-pgan/fixtures/:
  pgan_small.pth       the zoo's checkpoint layout (ProgressiveGAN.save): {'config': BaseConfig
                       object, 'netG', 'netD', 'avgG'}, legacy torch.save format as the 2019 releases
  pgan_netG_only.pth   just netG's state dict with the pre-'.module.' parameter names that the zoo's
                       loadStateDictCompatible still accepts (zip format)
  latents.npy          [4, dimLatent] float32, drawn as the zoo's buildNoiseData does (randn)
  out_netG.npy         netG(latents), NCHW float32, blending alpha as saved (0)
  out_avgG.npy         avgG(latents)
  out_netG_alpha.npy   netG(latents) with the blending alpha set to 0.4
"""
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')

DIM_LATENT = 12
DEPTH_SCALE0 = 16
DEPTH_OTHER_SCALES = [16, 8]  # three scales: 4x4, 8x8, 16x16
DIM_OUTPUT = 3
LEAK = 0.2


# The zoo pickles its config as models.utils.config.BaseConfig; recreate that module path so the
# pickle names the same class.
for name in ['models', 'models.utils']:
    sys.modules.setdefault(name, types.ModuleType(name))
config_module = types.ModuleType('models.utils.config')
sys.modules['models.utils.config'] = config_module


class BaseConfig:
    pass


BaseConfig.__module__ = 'models.utils.config'
config_module.BaseConfig = BaseConfig


class Equalized(nn.Module):
    """A linear or conv layer whose weight is stored N(0, 1) and scaled at run time by He's
    constant sqrt(2 / fan_in); the scale multiplies the layer's whole output, bias included."""

    def __init__(self, module):
        super().__init__()
        self.module = module
        fan_in = module.weight[0].numel()
        self.scale = math.sqrt(2.0 / fan_in)

    def forward(self, x):
        return self.module(x) * self.scale


def pixel_norm(x):
    return x / torch.sqrt((x * x).mean(dim=1, keepdim=True) + 1e-8)


def upscale2x(x):
    return F.interpolate(x, scale_factor=2, mode='nearest')


class ZooGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        d0 = DEPTH_SCALE0
        self.depths = [d0] + DEPTH_OTHER_SCALES
        self.formatLayer = Equalized(nn.Linear(DIM_LATENT, 16 * d0))
        self.groupScale0 = nn.ModuleList([Equalized(nn.Conv2d(d0, d0, 3, padding=1))])
        self.scaleLayers = nn.ModuleList()
        self.toRGBLayers = nn.ModuleList([Equalized(nn.Conv2d(d0, DIM_OUTPUT, 1))])
        for previous, depth in zip(self.depths[:-1], self.depths[1:]):
            self.scaleLayers.append(nn.ModuleList([
                Equalized(nn.Conv2d(previous, depth, 3, padding=1)),
                Equalized(nn.Conv2d(depth, depth, 3, padding=1)),
            ]))
            self.toRGBLayers.append(Equalized(nn.Conv2d(depth, DIM_OUTPUT, 1)))
        self.alpha = 0.0

    def forward(self, z):
        act = lambda t: F.leaky_relu(t, LEAK)
        x = pixel_norm(z).reshape(z.shape[0], -1)
        x = act(self.formatLayer(x)).reshape(z.shape[0], -1, 4, 4)
        x = pixel_norm(x)
        x = pixel_norm(act(self.groupScale0[0](x)))
        features = [x]
        for group in self.scaleLayers:
            x = upscale2x(x)
            for conv in group:
                x = pixel_norm(act(conv(x)))
            features.append(x)
        out = self.toRGBLayers[-1](x)
        if self.alpha > 0:
            # Blend with the previous scale's RGB output, upsampled.
            low = upscale2x(self.toRGBLayers[-2](features[-2]))
            out = self.alpha * low + (1 - self.alpha) * out
        return out


def randomise(net, generator, bias_std=0.3):
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith('bias'):
                p.copy_(torch.randn(p.shape, generator=generator) * bias_std)
            else:
                p.copy_(torch.randn(p.shape, generator=generator))


def zoo_config():
    c = BaseConfig()
    # Fields BaseGAN and ProgressiveGAN set (models/base_GAN.py, models/progressive_gan.py).
    c.noiseVectorDim = DIM_LATENT
    c.dimOutput = DIM_OUTPUT
    c.learningRate = 0.001
    c.attribKeysOrder = None
    c.categoryVectorDim = 0
    c.weightConditionG = 0.0
    c.weightConditionD = 0.0
    c.GDPP = False
    c.latentVectorDim = DIM_LATENT
    c.lossCriterion = 'WGANGP'
    c.lambdaGP = 10.0
    c.epsilonD = 0.001
    c.depthScale0 = DEPTH_SCALE0
    c.initBiasToZero = True
    c.leakyReluLeak = LEAK
    c.depthOtherScales = list(DEPTH_OTHER_SCALES)
    c.perChannelNormalization = True
    c.alpha = 0.0
    c.miniBatchStdDev = True
    c.equalizedlR = True
    c.logisticGradReal = 0.0
    return c


def small_discriminator_state(generator):
    # Only the layout matters here (the adapter ignores netD): a few tensors named as DNet's.
    return {
        'fromRGBLayers.0.module.weight': torch.randn(DEPTH_SCALE0, DIM_OUTPUT, 1, 1, generator=generator),
        'fromRGBLayers.0.module.bias': torch.zeros(DEPTH_SCALE0),
        'decisionLayer.module.weight': torch.randn(1, DEPTH_SCALE0, generator=generator),
        'decisionLayer.module.bias': torch.zeros(1),
    }


def save_npy(name, tensor):
    np.save(os.path.join(OUT, name), tensor.detach().numpy().astype(np.float32))


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(2019)
    net_g = ZooGenerator()
    randomise(net_g, g)
    avg_g = ZooGenerator()
    randomise(avg_g, g)
    net_g.eval()
    avg_g.eval()

    checkpoint = {
        'config': zoo_config(),
        'netG': net_g.state_dict(),
        'netD': small_discriminator_state(g),
        'avgG': avg_g.state_dict(),
    }
    torch.save(checkpoint, os.path.join(OUT, 'pgan_small.pth'), _use_new_zipfile_serialization=False)
    old_names = {k.replace('.module.', '.'): v for k, v in net_g.state_dict().items()}
    torch.save(old_names, os.path.join(OUT, 'pgan_netG_only.pth'))

    latents = torch.randn(4, DIM_LATENT, generator=g)
    save_npy('latents.npy', latents)
    with torch.no_grad():
        save_npy('out_netG.npy', net_g(latents))
        save_npy('out_avgG.npy', avg_g(latents))
        net_g.alpha = 0.4
        save_npy('out_netG_alpha.npy', net_g(latents))


if __name__ == '__main__':
    main()
