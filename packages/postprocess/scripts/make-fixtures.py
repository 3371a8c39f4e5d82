#!/usr/bin/python3
"""Reference fixtures for @attrib/postprocess, computed with PyTorch (Debian python3-torch 1.13)
and Pillow, independently of the TypeScript code they check.

Run from anywhere with Debian's interpreter (not a pyenv one):

    /usr/bin/python3 packages/postprocess/scripts/make-fixtures.py [SKIMAGE_DATA_DIR]

SKIMAGE_DATA_DIR holds scikit-image's sample photos (astronaut.png, coffee.png, camera.png); it
defaults to Debian's python3-skimage location. Without installing the package:
    apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb x
    then pass x/usr/lib/python3/dist-packages/skimage/data

Writes into packages/postprocess/fixtures/:
  blur.json, crop.json, jpeg.json, combination.json: cases with input and expected output as
    float32 NHWC arrays, base64 little-endian ("shape" gives [N, H, W, C]).
  photos/*.png: small natural photos (96x96) made from the scikit-image samples.
  jpeg-psnr.json: Pillow's JPEG PSNR (dB, 8-bit, over all channels) on those photos per quality.

The blur follows the documented definition of kornia.filters.gaussian_blur2d, which the
reference release calls with its default border_type='reflect': a normalised Gaussian of taps
x = i - k // 2, F.pad(mode='reflect') by k // 2 on each side, depthwise conv2d. Kornia itself
is not installed, so it is written out here.
"""
import base64
import io
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures')
SKIMAGE = sys.argv[1] if len(sys.argv) > 1 else '/usr/lib/python3/dist-packages/skimage/data'

torch.manual_seed(20210503)
torch.set_default_dtype(torch.float64)


def encode(nchw):
    """NCHW tensor -> {'shape': NHWC, 'data': base64 float32 little-endian}."""
    nhwc = nchw.permute(0, 2, 3, 1).contiguous().to(torch.float32).numpy()
    return {'shape': list(nhwc.shape), 'data': base64.b64encode(nhwc.astype('<f4').tobytes()).decode('ascii')}


def random_images(n, c, h, w):
    return torch.rand(n, c, h, w) * 2 - 1


def write_json(name, value):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(value, f, indent=1)
        f.write('\n')


# ---------------------------------------------------------------- blur (kornia-style, reflect)

def kornia_gaussian(k, sigma):
    x = torch.arange(k, dtype=torch.float64) - k // 2
    g = torch.exp(-x.pow(2) / (2 * sigma ** 2))
    return g / g.sum()


def kornia_gaussian_blur2d(x, k, sigma):
    c = x.shape[1]
    g = kornia_gaussian(k, sigma)
    kernel2d = torch.outer(g, g)
    weight = kernel2d.expand(c, 1, k, k)
    p = k // 2
    padded = F.pad(x, (p, p, p, p), mode='reflect')
    return F.conv2d(padded, weight, groups=c)


def blur_fixtures():
    cases = []
    for (n, c, h, w), k, sigma in [
        ((2, 1, 32, 32), 25, 3.0),        # evaluation strength on an MNIST-sized image
        ((1, 3, 16, 16), 3, 1 / 3),
        ((1, 3, 20, 24), 15, 5 / 3),     # not square
        ((2, 1, 9, 12), 9, 1.0),         # kernel half-width 4 on 9 rows: reflection reaches far
        ((1, 3, 26, 26), 19, 7 / 3),
    ]:
        x = random_images(n, c, h, w)
        cases.append({
            'kernelSize': k, 'sigma': sigma,
            'kernel': kornia_gaussian(k, sigma).tolist(),
            'input': encode(x), 'expected': encode(kornia_gaussian_blur2d(x, k, sigma)),
        })
    write_json('blur.json', {'cases': cases})


# ---------------------------------------------------------------- crop (centre crop + bilinear)

def centre_crop_resize(x, ratio):
    h, w = x.shape[2], x.shape[3]
    ch, cw = int(ratio * h), int(ratio * w)
    top, left = h // 2 - ch // 2, w // 2 - cw // 2
    window = x[:, :, top:top + ch, left:left + cw]
    return F.interpolate(window, size=(h, w), mode='bilinear', align_corners=False)


def crop_fixtures():
    cases = []
    for (n, c, h, w), ratio in [
        ((1, 1, 32, 32), 0.8),   # 25 of 32 rows, start 4
        ((1, 3, 44, 44), 0.8),   # 35 of 44, start 5
        ((1, 3, 30, 30), 0.93),  # 27 of 30, start 2
        ((1, 3, 20, 28), 0.85),  # each side by its own length
        ((1, 1, 16, 16), 1.0),   # identity
    ]:
        x = random_images(n, c, h, w).to(torch.float32)
        cases.append({'ratio': ratio, 'input': encode(x), 'expected': encode(centre_crop_resize(x, ratio))})
    write_json('crop.json', {'cases': cases})


# ---------------------------------------------------------------- JPEG approximation

# JPEG's zig-zag order as the standard tabulates it: position k of the scan -> row * 8 + column.
ZIGZAG = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]
RGB2YUV = torch.tensor([[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]])
YUV2RGB = torch.tensor([[1.0, 0.0, 1.13983], [1.0, -0.39465, -0.58060], [1.0, 2.03211, 0.0]])


def dct_matrices(n=8):
    """Unnormalised DCT-II and its exact inverse (DCT-III scaled by 2/N, half weight at k=0)."""
    k = torch.arange(n, dtype=torch.float64).view(n, 1)
    pos = torch.arange(n, dtype=torch.float64).view(1, n)
    forward = torch.cos(math.pi / n * (pos + 0.5) * k)              # [freq, pos]
    weight = torch.full((n, 1), 2.0 / n)
    weight[0] = 1.0 / n
    inverse = (forward * weight).t()                                  # [pos, freq]
    return forward, inverse


def jpeg_approximation(x, keep):
    grey = x.shape[1] == 1
    if grey:
        x = x.repeat(1, 3, 1, 1)
    n, _, h, w = x.shape
    ph, pw = (8 - h % 8) % 8, (8 - w % 8) % 8
    x = F.pad(x, (0, pw, 0, ph))
    yuv = torch.einsum('oc,nchw->nohw', RGB2YUV, x)
    H, W = h + ph, w + pw
    forward, inverse = dct_matrices()
    out = torch.empty_like(yuv)
    for c in range(3):
        mask = torch.zeros(64)
        mask[ZIGZAG[:keep[c]]] = 1
        mask = mask.view(8, 8)
        cols = F.unfold(yuv[:, c:c + 1], kernel_size=8, stride=8)       # [n, 64, L]
        blocks = cols.transpose(1, 2).reshape(-1, 8, 8)                   # row-major pixels
        coef = forward @ blocks @ forward.t()
        back = inverse @ (coef * mask) @ inverse.t()
        cols_back = back.reshape(n, -1, 64).transpose(1, 2)
        out[:, c:c + 1] = F.fold(cols_back, output_size=(H, W), kernel_size=8, stride=8)
    rgb = torch.einsum('oc,nchw->nohw', YUV2RGB, out)[:, :, :h, :w]
    return rgb[:, :1] if grey else rgb


def jpeg_fixtures():
    cases = []
    for (n, c, h, w), keep in [
        ((2, 3, 16, 16), [25, 9, 9]),
        ((1, 3, 24, 40), [25, 9, 9]),
        ((1, 3, 13, 21), [25, 9, 9]),   # padded to 16x24, then cut back
        ((2, 1, 16, 16), [25, 9, 9]),   # grey: repeated to RGB, channel 0 returned
        ((1, 3, 16, 16), [64, 64, 64]),
        ((1, 3, 16, 24), [10, 3, 6]),
        ((1, 3, 8, 8), [1, 0, 2]),
    ]:
        x = random_images(n, c, h, w)
        cases.append({'coefficients': keep, 'input': encode(x), 'expected': encode(jpeg_approximation(x, keep))})
    write_json('jpeg.json', {'cases': cases})


# ---------------------------------------------------------------- combination (evaluation, no noise)

def combination_fixtures():
    cases = []
    for (n, c, h, w) in [(2, 1, 32, 32), (1, 3, 24, 24)]:
        x = random_images(n, c, h, w)
        y = kornia_gaussian_blur2d(x, 25 if h >= 26 else 19, 3.0 if h >= 26 else 7 / 3)
        y = centre_crop_resize(y, 0.8)
        y = jpeg_approximation(y, [25, 9, 9])
        cases.append({
            'params': {'blur.kernelSize': 25 if h >= 26 else 19, 'blur.sigma': 3.0 if h >= 26 else 7 / 3, 'noise.std': 0},
            'input': encode(x), 'expected': encode(y),
        })
    write_json('combination.json', {'cases': cases})


# ---------------------------------------------------------------- natural photos and Pillow's JPEG PSNR

PHOTOS = {
    # name: (scikit-image file, mode)
    'astronaut': ('astronaut.png', 'RGB'),   # NASA, public domain
    'coffee': ('coffee.png', 'RGB'),         # CC0, Rachel Michetti
    'camera': ('camera.png', 'L'),           # CC0, Lav Varshney
}
QUALITIES = [10, 30, 50, 75, 90, 100]


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float('inf') if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def pillow_round_trip(image, quality, subsampling):
    buf = io.BytesIO()
    image.save(buf, format='JPEG', quality=quality, subsampling=subsampling)
    buf.seek(0)
    return Image.open(buf).convert(image.mode)


def photo_fixtures():
    os.makedirs(os.path.join(OUT, 'photos'), exist_ok=True)
    table = {}
    for name, (file, mode) in PHOTOS.items():
        image = Image.open(os.path.join(SKIMAGE, file)).convert(mode)
        side = min(image.size)
        left, top = (image.size[0] - side) // 2, (image.size[1] - side) // 2
        small = image.crop((left, top, left + side, top + side)).resize((96, 96), Image.BOX)
        small.save(os.path.join(OUT, 'photos', f'{name}.png'), optimize=True)
        original = np.asarray(small)
        entry = {'channels': 3 if mode == 'RGB' else 1, 'subsampling420': {}, 'subsampling444': {}}
        for q in QUALITIES:
            entry['subsampling420'][str(q)] = psnr(original, np.asarray(pillow_round_trip(small, q, 2)))
            entry['subsampling444'][str(q)] = psnr(original, np.asarray(pillow_round_trip(small, q, 0)))
        table[name] = entry
    write_json('jpeg-psnr.json', {
        'source': 'Pillow ' + Image.__version__ + ' (libjpeg), PSNR in dB over all 8-bit channels, 96x96 photos',
        'photos': table,
    })


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    blur_fixtures()
    crop_fixtures()
    jpeg_fixtures()
    combination_fixtures()
    photo_fixtures()
    print('fixtures written to', os.path.normpath(OUT))
