"""One evaluator for both sides of the fidelity harness (docs/fidelity.md), so that a difference
between the sides is a difference of training, not of measurement:

  /usr/bin/python3 packages/cli/scripts/fidelity/evaluate.py --release DIR --side original --dir OUT/code [--keys 5]
  /usr/bin/python3 packages/cli/scripts/fidelity/evaluate.py --release DIR --side attrib --dir RUN [--keys 5]

`original`: the release's folders (weight/generator.pth, g<i>_k<i>_crop_b0_lp2/{generator.pth,
key_<i>.pth}); `attrib`: an attrib run folder (root.ckpt, keys/key-<i>.json,
generators/key-<i>/generator.ckpt). The generator is the release's own DCGAN_theory module
(imported from DIR). All generators in eval mode, as the release's evaluation scripts freeze them.
Per key: the share of all 10,000 real digits with phi.x > 0, the share of 2,000 samples with
phi.G_i(z) < 0, their mean (distinguishability), the L2 distance to the root averaged over the
same 2,000 latents, the key's norm. Attributability as confusion_PNG.py computes it: 1,000
samples per generator through the 8-bit PNG round trip, a sample counts when its own key scores it
below 1e-5 and every other key above. Latents are drawn from a fixed seed, the same for both sides.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torchvision.transforms as transforms
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
sys.path.insert(0, HERE)
import attrib_files  # noqa: E402

SUFFIX = '_crop_b0_lp2'
EPS = 1e-5


def load_generator(Generator, state):
    generator = Generator(1, 100, 64, 1)
    generator.load_state_dict(state)
    generator.eval()
    return generator


def side_files(side, folder, keys):
    """(root state dict, [key as 1-D CHW tensor], [generator state dict])."""
    if side == 'original':
        root = torch.load(os.path.join(folder, 'weight', 'generator.pth'), map_location='cpu')
        key_list, generators = [], []
        for i in range(1, keys + 1):
            sub = os.path.join(folder, f'g{i}_k{i}{SUFFIX}')
            key_list.append(torch.load(os.path.join(sub, f'key_{i}.pth'), map_location='cpu').detach().reshape(-1))
            generators.append(torch.load(os.path.join(sub, 'generator.pth'), map_location='cpu'))
        return root, key_list, generators
    root_file = os.path.join(folder, 'root.ckpt')
    if not os.path.exists(root_file):
        root_file = os.path.join(REPO, 'packages', 'adapter-dcgan', 'weights', 'mnist32.ckpt')
    root = attrib_files.generator_state_dict(root_file)
    key_list = [attrib_files.read_key(os.path.join(folder, 'keys', f'key-{i}.json')) for i in range(1, keys + 1)]
    generators = [attrib_files.generator_state_dict(os.path.join(folder, 'generators', f'key-{i}', 'generator.ckpt'))
                  for i in range(1, keys + 1)]
    return root, key_list, generators


def real_images():
    transform = transforms.Compose([transforms.Resize(32), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    digits = attrib_files.mnist_digits(REPO)
    return torch.stack([transform(Image.fromarray(d, mode='L')) for d in digits]).reshape(len(digits), -1)


def png_round_trip(images):
    """save_image(normalize=True, value_range=(-1, 1)) to 8 bits, then ToTensor and Normalize(0.5, 0.5)."""
    u8 = ((images.clamp(-1, 1) + 1) / 2).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)
    return u8.float().div(255).sub(0.5).div(0.5)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--release', default=os.environ.get('ATTRIB_RELEASE_DIR'))
    parser.add_argument('--side', choices=['original', 'attrib'], required=True)
    parser.add_argument('--dir', required=True)
    parser.add_argument('--keys', type=int, default=5)
    parser.add_argument('--samples', type=int, default=2000)
    parser.add_argument('--attribution-samples', type=int, default=1000)
    args = parser.parse_args()
    sys.path.insert(0, args.release)
    from my_models.DCGAN_theory import Generator  # the release's own module
    torch.set_num_threads(1)

    root_state, keys, states = side_files(args.side, args.dir, args.keys)
    root = load_generator(Generator, root_state)
    generators = [load_generator(Generator, s) for s in states]
    key_matrix = torch.stack(keys, dim=1)  # d x N
    real = real_images()
    rng = torch.Generator().manual_seed(20210326)
    z = torch.randn(args.samples, 100, 1, 1, generator=rng)
    z_attr = torch.randn(args.attribution_samples, 100, 1, 1, generator=rng)

    per_key = []
    attributable = []
    with torch.no_grad():
        root_images = torch.cat([root(chunk) for chunk in z.split(250)]).reshape(args.samples, -1)
        for i, (generator, key) in enumerate(zip(generators, keys)):
            images = torch.cat([generator(chunk) for chunk in z.split(250)]).reshape(args.samples, -1)
            real_share = (real @ key > 0).float().mean().item()
            generated_share = (images @ key < 0).float().mean().item()
            per_key.append({
                'key': i + 1, 'realShare': real_share, 'generatedShare': generated_share,
                'distinguishability': (real_share + generated_share) / 2,
                'l2': (images - root_images).norm(dim=1).mean().item(), 'keyNorm': key.norm().item(),
                'rootShare': (root_images @ key > 0).float().mean().item(),
            })
            attributed = png_round_trip(torch.cat([generator(chunk) for chunk in z_attr.split(250)]).reshape(len(z_attr), -1))
            scores = attributed @ key_matrix
            others = torch.cat([scores[:, :i], scores[:, i + 1:]], dim=1)
            ok = (scores[:, i] < EPS) & (others > EPS).all(dim=1)
            attributable.append(ok.float().mean().item())
            per_key[-1]['attributability'] = attributable[-1]
    unit = key_matrix / key_matrix.norm(dim=0, keepdim=True)
    cosines = (unit.T @ unit).numpy()
    off = cosines[~np.eye(len(keys), dtype=bool)]
    record = {
        'side': args.side, 'dir': os.path.abspath(args.dir), 'perKey': per_key,
        'distinguishability': float(np.mean([k['distinguishability'] for k in per_key])),
        'attributability': float(np.mean(attributable)),
        'l2': float(np.mean([k['l2'] for k in per_key])),
        'keyNorm': float(np.mean([k['keyNorm'] for k in per_key])),
        'maxAbsCos': float(np.abs(off).max()) if off.size else 0.0,
        'cosines': cosines.round(4).tolist(),
    }
    print(json.dumps(record))


if __name__ == '__main__':
    main()
