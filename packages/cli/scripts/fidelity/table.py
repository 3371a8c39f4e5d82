"""The fidelity harness's table (docs/fidelity.md) from evaluate.py's JSON records:

  /usr/bin/python3 packages/cli/scripts/fidelity/table.py OUT/original/seed-*/evaluation.json OUT/attrib/seed-*/evaluation.json

One row per side and seed (distinguishability mean and per key, real-data share per key,
attributability, L2 to the root, key norms, largest |cos| between two keys), then per side the
mean and the sample standard deviation over its seeds.
"""
import json
import statistics
import sys


def fmt(values, digits=3):
    return ', '.join(f'{v:.{digits}f}' for v in values)


def main(paths):
    records = []
    for path in paths:
        with open(path) as f:
            record = json.load(f)
        record['path'] = path
        records.append(record)
    print('| side | seed | distinguishability (per key) | real-data share per key | attributability (per generator) | L2 to root | key norms | max abs cos |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for r in records:
        keys = r['perKey']
        print(f"| {r['side']} | {r.get('seed', '?')} | {r['distinguishability']:.3f} ({fmt(k['distinguishability'] for k in keys)}) "
              f"| {fmt(k['realShare'] for k in keys)} | {r['attributability']:.3f} ({fmt(k['attributability'] for k in keys)}) "
              f"| {r['l2']:.2f} | {fmt((k['keyNorm'] for k in keys), 1)} | {r['maxAbsCos']:.3f} |")
    print()
    print('| side | seeds | distinguishability | attributability | worst real-data share | L2 to root | key norm | max abs cos |')
    print('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for side in dict.fromkeys(r['side'] for r in records):
        rows = [r for r in records if r['side'] == side]

        def stat(values, digits=3):
            values = list(values)
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            return f'{statistics.mean(values):.{digits}f} ± {sd:.{digits}f}'
        print(f"| {side} | {len(rows)} | {stat(r['distinguishability'] for r in rows)} | {stat(r['attributability'] for r in rows)} "
              f"| {stat(min(k['realShare'] for k in r['perKey']) for r in rows)} | {stat((r['l2'] for r in rows), 2)} "
              f"| {stat((r['keyNorm'] for r in rows), 1)} | {stat(r['maxAbsCos'] for r in rows)} |")


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit('usage: table.py EVALUATION.json ...')
    main(sys.argv[1:])
