#!/usr/bin/python3
"""Reference fixtures for the field's attacks in @attrib/postprocess (rotate, resized-crop, resize,
brightness, contrast), computed with Pillow and PyTorch (Debian's python3-pil 9.4 and
python3-torch 1.13), independently of the TypeScript code they check.

Run from anywhere with Debian's interpreter, after make-fixtures.py (it reads fixtures/photos):

    /usr/bin/python3 packages/postprocess/scripts/make-attack-fixtures.py

Writes into packages/postprocess/fixtures/:
  rotate.json: Pillow Image.rotate(angle, resample=BILINEAR, fillcolor=-1) of float ('F' mode)
    images, one channel at a time.
  resized-crop.json: a window sliced out and F.interpolate(bilinear, align_corners=False) back to
    the full size, with torchvision's RandomResizedCrop side for ratio 1 (round(sqrt(scale*h*w))).
  resize.json: Pillow Image.resize(BILINEAR) of float images down to int(scale * side) and back.
  enhance.json: Pillow ImageEnhance.Brightness / Contrast of the 8-bit photos at several factors,
    as 8-bit HWC arrays (base64).
Float arrays are float32 NHWC, base64 little-endian, inputs uniform in [-1, 1].
"""
import base64
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageEnhance

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures')
rng = np.random.default_rng(20240725)


def encode(nhwc):
    arr = np.ascontiguousarray(nhwc, dtype='<f4')
    return {'shape': list(arr.shape), 'data': base64.b64encode(arr.tobytes()).decode('ascii')}


def random_images(n, h, w, c):
    return (rng.random((n, h, w, c)) * 2 - 1).astype(np.float32)


def per_channel(x, fn):
    """Applies fn to every (image, channel) plane of an NHWC float32 array as a Pillow 'F' image."""
    n, _, _, c = x.shape
    planes = [[np.asarray(fn(Image.fromarray(x[i, :, :, k], mode='F')), dtype=np.float32) for k in range(c)] for i in range(n)]
    return np.stack([np.stack(p, axis=-1) for p in planes])


def write_json(name, value):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(value, f, indent=1)
        f.write('\n')


def rotate_fixtures():
    cases = []
    for (n, h, w, c), degrees in [
        ((1, 16, 16, 3), 30.0),
        ((2, 20, 20, 1), 45.0),    # WAVES's strongest
        ((1, 12, 18, 3), 17.5),    # not square
        ((1, 15, 15, 1), -10.0),   # odd side, clockwise
        ((1, 16, 16, 1), 90.0),    # Pillow transposes: exact pixel moves
        ((1, 9, 9, 3), 3.0),
    ]:
        x = random_images(n, h, w, c)
        y = per_channel(x, lambda im: im.rotate(degrees, resample=Image.BILINEAR, fillcolor=-1.0))
        cases.append({'degrees': degrees, 'input': encode(x), 'expected': encode(y)})
    write_json('rotate.json', {'cases': cases})


def resized_crop_fixtures():
    cases = []
    for (n, h, w, c), (top, left, ch, cw) in [
        ((1, 32, 32, 3), (3, 7, 23, 23)),    # scale 0.5 on 32x32: side round(sqrt(512)) = 23
        ((2, 28, 28, 1), (0, 5, 20, 20)),
        ((1, 20, 28, 3), (4, 2, 14, 20)),    # not square
        ((1, 16, 16, 1), (0, 0, 16, 16)),    # identity
    ]:
        x = random_images(n, h, w, c)
        t = torch.from_numpy(x).permute(0, 3, 1, 2)
        window = t[:, :, top:top + ch, left:left + cw]
        y = F.interpolate(window, size=(h, w), mode='bilinear', align_corners=False).permute(0, 2, 3, 1).numpy()
        cases.append({'window': {'top': top, 'left': left, 'height': ch, 'width': cw}, 'input': encode(x), 'expected': encode(y)})
    # torchvision RandomResizedCrop(scale=(s, s), ratio=(1, 1)): w = h = int(round(sqrt(s * area))).
    sides = [{'side': side, 'scale': s, 'window': int(round(math.sqrt(s * side * side)))}
             for side in [28, 32, 64, 96] for s in [0.5, 0.6, 0.75, 0.9, 1.0]]
    write_json('resized-crop.json', {'cases': cases, 'torchvisionSides': sides})


def resize_fixtures():
    cases = []
    for (n, h, w, c), scale in [
        ((1, 32, 32, 3), 0.5),
        ((2, 28, 28, 1), 0.7),
        ((1, 20, 30, 3), 0.6),     # not square
        ((1, 17, 17, 1), 0.3),     # strong, odd
        ((1, 24, 24, 3), 0.9),
    ]:
        x = random_images(n, h, w, c)
        small = (max(1, int(scale * w)), max(1, int(scale * h)))
        y = per_channel(x, lambda im: im.resize(small, Image.BILINEAR).resize((w, h), Image.BILINEAR))
        cases.append({'scale': scale, 'input': encode(x), 'expected': encode(y)})
    write_json('resize.json', {'cases': cases})


def enhance_fixtures():
    photos = {}
    for name in ['astronaut', 'coffee', 'camera']:
        image = Image.open(os.path.join(OUT, 'photos', f'{name}.png'))
        entry = {'channels': 3 if image.mode == 'RGB' else 1, 'brightness': {}, 'contrast': {}}
        for factor in [1.5, 2.0]:
            for kind, enhancer in [('brightness', ImageEnhance.Brightness), ('contrast', ImageEnhance.Contrast)]:
                out = np.asarray(enhancer(image).enhance(factor), dtype=np.uint8)
                entry[kind][str(factor)] = base64.b64encode(out.tobytes()).decode('ascii')
        photos[name] = entry
    write_json('enhance.json', {'source': 'Pillow ' + Image.__version__ + ' ImageEnhance, 8-bit HWC', 'photos': photos})


if __name__ == '__main__':
    rotate_fixtures()
    resized_crop_fixtures()
    resize_fixtures()
    enhance_fixtures()
    print('fixtures written to', os.path.normpath(OUT))
