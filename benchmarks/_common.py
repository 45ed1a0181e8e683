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

"""What both workers share. Standard library only: the native-thread worker
must not import eventlet."""

import gc
import os
import statistics
import time

perf = time.perf_counter

#: Self-checks of this worker's measurements: [name, passed, detail].
CHECKS = []


def check(name, ok, detail=''):
    CHECKS.append([name, bool(ok), str(detail)])
    return ok


def rss_bytes():
    try:
        with open('/proc/self/statm') as f:
            return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
    except OSError:
        return None


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
