#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Compare "ours" of two trees (or git revisions), interleaved, with floor.

The jobs and workers are run.py's, so the figures are the same kind: each
scenario in a fresh process, rounds interleaved, the order rotating. The
contenders are the floor and ``a`` and ``b`` (``a-threading`` and
``b-threading`` in the native-thread section): run.py's ``ours``, its
``oslo_loopingcall`` imported from the tree given (checked in the worker).
A revision is exported (``git archive``) to a temporary directory, removed
at the end. The benchmark code is always this tree's.

    python -m benchmarks.ab --a c0abe9a --b .
    python -m benchmarks.ab --a /work/old --b . --only micro,thr_micro
    python -m benchmarks.ab --a HEAD --b . --rounds 7 --json /tmp/ab.json

For each value of each job: the median of every contender over rounds,
its spread (``+-``: half the range of the rounds, as a % of the median:
the run-to-run noise), the median of the per-round ratios b/a, a/floor
and b/floor, and the range of the per-round b/a ratios.
"""

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks._common import OURS_TREE  # noqa: E402
from benchmarks._rows import ratio_list  # noqa: E402
from benchmarks import run  # noqa: E402

#: Default jobs: per-iteration cost in both modes, start cost and memory.
DEFAULT_ONLY = 'micro,start,thr_micro'


@contextlib.contextmanager
def tree_of(spec):
    """A directory holding ``oslo_loopingcall`` for ``spec``.

    ``spec`` is a directory (used as it is) or a git revision of this
    repository (exported to a temporary directory, removed afterwards).
    """
    if os.path.isdir(os.path.join(spec, 'oslo_loopingcall')):
        yield os.path.abspath(spec)
        return
    tmp = tempfile.mkdtemp(prefix='ab-')
    try:
        archive = subprocess.run(
            ['git', '-C', ROOT, 'archive', spec, 'oslo_loopingcall'],
            check=True, capture_output=True).stdout
        subprocess.run(['tar', '-x', '-C', tmp], input=archive, check=True)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def contenders(job):
    if job.section.name == 'eventlet':
        return ('floor', 'a', 'b')
    return ('floor-threading', 'a-threading', 'b-threading')


def spread(xs):
    """Half the range of ``xs`` as a % of their median."""
    m = statistics.median(xs)
    return (max(xs) - min(xs)) / 2 / abs(m) * 100 if m else 0.0


def report(res):
    """One table per job: every numeric value, a, b and the floor."""
    for job, per_c in res.data.items():
        cs = [c for c in per_c]
        floor, a, b = sorted(cs, key=lambda c: (c[0] in 'ab', c))
        keys = sorted({k for c in (a, b) for r in per_c[c].values()
                       for k, v in r['values'].items()
                       if isinstance(v, (int, float)) and
                       not isinstance(v, bool) and not k.startswith('_')})
        print(f'\n=== {job} ({a} vs {b}; +-: half range of the rounds) ===')
        print(f'{"value":26s} {"floor":>16s} {"a":>16s} {"b":>16s} '
              f'{"b/a":>6s} {"b/a range":>13s} {"a/fl":>5s} {"b/fl":>5s}')
        for key in keys:
            rounds = sorted(set(per_c[a]) & set(per_c[b]))
            per = {c: [res.value(job, c, r, key) for r in rounds]
                   for c in (floor, a, b)}
            cells = []
            for c in (floor, a, b):
                xs = [x for x in per[c] if x is not None]
                cells.append(f'{statistics.median(xs):9.4g} +-'
                             f'{spread(xs):3.0f}%' if xs else '-')
            ba = ratio_list(per, b, a)
            af = ratio_list(per, a, floor)
            bf = ratio_list(per, b, floor)

            def m(xs):
                return f'{statistics.median(xs):.3f}' if xs else '-'

            rng = f'{min(ba):.3f}-{max(ba):.3f}' if ba else '-'
            print(f'{key[:26]:26s} {cells[0]:>16s} {cells[1]:>16s} '
                  f'{cells[2]:>16s} {m(ba):>6s} {rng:>13s} '
                  f'{m(af)[:5]:>5s} {m(bf)[:5]:>5s}')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--a', required=True,
                    help='tree (directory) or git revision of contender a')
    ap.add_argument('--b', default=ROOT,
                    help='tree or git revision of contender b '
                         '(default: this tree)')
    ap.add_argument('--only', default=DEFAULT_ONLY,
                    help='jobs, scenarios or sections, as run.py\'s --only '
                         f'(default {DEFAULT_ONLY})')
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--quick', action='store_true',
                    help="run.py's smaller sizes")
    ap.add_argument('--big', type=int, default=None)
    ap.add_argument('--big-rounds', type=int, default=3)
    ap.add_argument('--no-listener', action='store_true')
    ap.add_argument('--timeout', type=float, default=600)
    ap.add_argument('--json', default='',
                    help='also write the raw results to this file')
    args = ap.parse_args(argv)
    args.stop_loops = args.stop_limit = None
    jobs, _, _, _ = run.make_plan(args)
    if not jobs:
        ap.error(f'--only {args.only}: no such section, job or scenario')
    rounds = max(j.rounds for j in jobs)
    with contextlib.ExitStack() as stack:
        trees = {}
        for name, spec in (('a', args.a), ('b', args.b)):
            trees[name] = stack.enter_context(tree_of(spec))
            extra = {OURS_TREE: trees[name]}
            run.ALIASES[name] = ('ours', extra)
            run.ALIASES[f'{name}-threading'] = ('ours-threading', extra)
        print(f'a = {args.a} ({trees["a"]}); b = {args.b} ({trees["b"]}); '
              f'{rounds} rounds; jobs {", ".join(j.name for j in jobs)}')
        t0 = time.time()
        res = run.run_rounds(jobs, rounds, args.timeout, contenders)
    failed = run.verify(res)
    report(res)
    print(f'\ntotal {time.time() - t0:.0f}s')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(res.data, _meta={'a': args.a, 'b': args.b,
                                            'rounds': rounds}), f, indent=1)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
