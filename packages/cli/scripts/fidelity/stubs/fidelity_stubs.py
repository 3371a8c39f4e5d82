"""What the patched release (release.patch) imports in place of what cannot run here."""
import os

import numpy as np
import torch.utils.data
from PIL import Image


class SummaryWriter:
    """TensorBoard's writer, recording nothing (no TensorFlow or TensorBoard on this machine)."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class NpyDigits(torch.utils.data.Dataset):
    """The digits of $FIDELITY_DIGITS (uint8 [N, 28, 28] .npy) as torchvision's MNIST gives them: (PIL 'L' image, label)."""

    def __init__(self, transform=None):
        path = os.environ.get('FIDELITY_DIGITS')
        if not path:
            raise RuntimeError('FIDELITY_DIGITS: not set; expected a uint8 [N, 28, 28] .npy of digits')
        self.images = np.load(path)
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        image = Image.fromarray(self.images[index], mode='L')
        return (self.transform(image) if self.transform else image), 0
