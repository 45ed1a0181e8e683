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

"""What both benchmark workers share, beside the shared harness.

Standard library only: the native-thread worker must not import eventlet.

A worker runs as ``python -m benchmarks.WORKER CONTENDER SCENARIO
JSON_PARAMS`` and
prints one JSON object on the last line of stdout: ``values`` (the
measurements) and ``checks`` (``[name, ok, detail]`` for every verification
the scenario made).
"""

import contextlib
import gc
import json
import os
import statistics
import sys
import time
import traceback

from harness import report

perf = time.perf_counter

#: Self-checks of this worker's measurements: [name, passed, detail].
CHECKS = report.Checks(detail=str)
check = CHECKS.check


#: The environment variable naming the tree whose ``oslo_loopingcall`` the
#: ``ours`` contenders import (``ab.py`` sets it); unset: the usual one.
OURS_TREE = 'BENCH_OURS_TREE'


@contextlib.contextmanager
def ours_tree():
    """Import ``oslo_loopingcall`` from the tree ``$BENCH_OURS_TREE`` names.

    The tree goes first on ``sys.path`` for the imports in the ``with``
    block, after which a check says whether the library really came from
    there (and the ``_tree`` value where it came from).
    """
    tree = os.environ.get(OURS_TREE)
    if tree:
        sys.path.insert(0, os.path.abspath(tree))
    yield
    if tree:
        mod = sys.modules['oslo_loopingcall']
        where = os.path.dirname(os.path.dirname(os.path.abspath(
            mod.__file__)))
        TREE[:] = [where]
        check(f'oslo_loopingcall imported from {tree}',
              where == os.path.abspath(tree), where)


#: Where the ``ours`` contender's library came from, if $BENCH_OURS_TREE
#: named a tree.
TREE = []


def main(scenarios, load, prepare):
    """Run the scenario the command line names, print its result, exit.

    ``load(contender)`` returns the contender's looping call module;
    ``prepare(scenario, params)`` then sets the process up.
    """
    contender, scenario, params = sys.argv[1], sys.argv[2], sys.argv[3]
    params = json.loads(params)
    lc = load(contender)
    prepare(scenario, params)
    gc.collect()
    t0 = perf()
    try:
        values = scenarios[scenario](lc, contender, params)
    except Exception as exc:
        traceback.print_exc()
        values = {}
        check(f'{scenario}: ran without error', False, repr(exc))
    values['_seconds'] = perf() - t0
    if TREE:
        values['_tree'] = TREE[0]
    report.emit({'values': values, 'checks': CHECKS.items})
    # Do not wait for loops, greenthreads, threads or listeners at exit.
    report.exit_now(0)


def timed_loop(lc, kind, f, runs):
    """Run a ``kind`` loop of ``f`` to its end: (result, seconds).

    ``'fixed'``: ``FixedIntervalLoopingCall`` at ``interval=0``;
    ``'dynamic'``: ``DynamicLoopingCall`` (``f`` returns 0). Timed from
    start() to the return of wait(); ``f`` ends it on its ``runs``-th run.
    """
    if kind == 'fixed':
        loop = lc.FixedIntervalLoopingCall(f)
        t0 = perf()
        loop.start(interval=0)
    else:
        loop = lc.DynamicLoopingCall(f)
        t0 = perf()
        loop.start()
    result = loop.wait()
    seconds = perf() - t0
    statistics_ = getattr(loop, 'statistics', None)
    if statistics_ is not None:
        # Ours keeps its statistics on every run (they cannot be turned
        # off): the figure above is with them.
        check(f'{kind} loop: statistics on, all {runs} runs counted',
              statistics_['runs'] == runs and
              statistics_['state'] == 'done', dict(statistics_))
    return result, seconds


def periter_medians(periter, p, values, where=''):
    """Per-iteration cost of Fixed and Dynamic: ``periter_<kind>``.

    ``periter(kind, n)`` runs one loop of ``n`` iterations and returns
    (us per iteration, ok, detail); a short run warms up first, then the
    median of ``p['reps']`` runs is kept. ``where`` completes the checks'
    names.
    """
    for kind in ('fixed', 'dynamic'):
        periter(kind, min(2000, p['n_iter']))          # warm-up
        runs = []
        for _ in range(p['reps']):
            us, ok, detail = periter(kind, p['n_iter'])
            check(f'periter_{kind}: {p["n_iter"]} iterations{where}, '
                  f'result returned', ok, detail)
            runs.append(us)
        values[f'periter_{kind}'] = statistics.median(runs)


def stop_latency(lc, p, values, idle, what):
    """stop() -> wait() latency of loops idle in a 60 s wait, in us.

    ``idle(loop, ran)`` returns True once ``ran()`` holds (the loop has run
    f once) and the loop is idle in its wait, False if that never comes
    (having stopped the loop if need be). ``what`` completes the check's
    name. Sets ``stoplat_median`` and ``stoplat_p99``.
    """
    lat = []
    ran = [0]

    def idle_f():
        ran[0] += 1

    bad = 0
    # The collector is paused during the samples (and run between batches,
    # outside the timed windows): a collection triggered by whatever the
    # cycle allocated would otherwise land on a random sample and decide
    # the p99. (For oslo.service's threading backend this also frees,
    # every 50 samples, the executors whose worker threads outlive their
    # loops.)
    gc.collect()
    gc.disable()
    for i in range(p['stoplat_k']):
        if i % 50 == 49:
            gc.collect()
        loop = lc.FixedIntervalLoopingCall(idle_f)
        loop.start(interval=60)
        target_runs = i + 1
        if not idle(loop, lambda: ran[0] >= target_runs):
            bad += 1
            continue
        t0 = perf()
        loop.stop()
        result = loop.wait()
        t1 = perf()
        if result is not True:
            bad += 1
        lat.append((t1 - t0) * 1e6)
    gc.enable()
    check(f'stop->wait: {p["stoplat_k"]} loops each ran once{what} and '
          f'wait() returned True', bad == 0 and ran[0] == p['stoplat_k'],
          f'bad={bad} runs={ran[0]}')
    values['stoplat_median'] = statistics.median(lat) if lat else None
    values['stoplat_p99'] = pct(lat, 99) if lat else None


def pct(values, p):
    if not values:
        return float('nan')
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def retry_overhead(lc, p, values, others=(), collect=False):
    """RetryDecorator first-time success: overhead per call, in us.

    Sets ``retry_plain``, ``retry_overhead`` (decorated minus plain),
    ``<name>_overhead`` for each ``(name, wrap)`` of ``others`` (another
    decorator applied to the same target) and ``retry_sizes`` in
    ``values``. ``collect`` runs the cyclic GC before each sample.
    """
    calls = [0]

    def target(x):
        calls[0] += 1
        return x

    decorated = lc.RetryDecorator(max_retry_count=3, inc_sleep_time=0.01,
                                  max_sleep_time=1,
                                  exceptions=(ValueError,))(target)
    contenders = (('plain', target), ('deco', decorated)) + tuple(
        (name, wrap(target)) for name, wrap in others)

    def per_call(fn, n):
        before = calls[0]
        t0 = perf()
        r = None
        for i in range(n):
            r = fn(i)
        t1 = perf()
        ok = calls[0] - before == n and r == n - 1
        return (t1 - t0) / n * 1e6, ok

    def calibrate(fn):
        n = 50
        while True:
            us, _ = per_call(fn, n)
            if us * n / 1e6 > 0.01 or n > 10 ** 7:
                break
            n *= 4
        return max(50, int(p['retry_target_s'] / (us / 1e6)))

    sizes = {name: calibrate(fn) for name, fn in contenders}
    samples = {name: [] for name in sizes}
    all_ok = True
    for _ in range(p['retry_reps']):
        for name, fn in contenders:
            if collect:
                gc.collect()
            us, ok = per_call(fn, sizes[name])
            all_ok = all_ok and ok
            samples[name].append(us)
    check('retry: every call ran once, first time, and returned its value',
          all_ok)
    plain = statistics.median(samples['plain'])
    values['retry_plain'] = plain
    values['retry_overhead'] = statistics.median(samples['deco']) - plain
    for name, _ in others:
        values[f'{name}_overhead'] = (
            statistics.median(samples[name]) - plain)
    values['retry_sizes'] = sizes
