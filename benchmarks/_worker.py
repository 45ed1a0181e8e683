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

"""One benchmark scenario for one contender, in a fresh process.

Usage: ``python -m benchmarks._worker CONTENDER SCENARIO JSON_PARAMS``

CONTENDER is ``floor``, ``ours`` or ``ref``. The scenario's result is
printed as one JSON object on the last line of stdout: ``values`` (the
measurements) and ``checks`` (``[name, ok, detail]`` for every verification
the scenario made). Only the contender's own module is imported (plus
tenacity in the ``micro`` scenario), so that one contender's imports and
hub state cannot influence another's figures.
"""

import gc
import statistics
import time

from benchmarks._common import check
from benchmarks._common import main
from benchmarks._common import ours_tree
from benchmarks._common import pct
from benchmarks._common import periter_medians
from benchmarks._common import retry_overhead
from benchmarks._common import stop_latency
from benchmarks._common import timed_loop
from harness import green
from harness import probes

eventlet = green.eventlet       # imported by harness.green, quietly
perf = time.perf_counter
clock = time.monotonic
spin_until = green.spin_until


# -- contenders ---------------------------------------------------------------

def load(name):
    """Return the module providing the looping call API for ``name``."""
    if name == 'floor':
        from benchmarks import floor
        return floor
    if name == 'ours':
        with ours_tree():
            from oslo_loopingcall import loopingcall
        return loopingcall
    if name == 'ref':
        from oslo_service import loopingcall
        # Make sure this really is the eventlet backend of oslo.service.
        assert 'eventlet' in loopingcall.FixedIntervalLoopingCall.__module__
        return loopingcall
    raise SystemExit(f'unknown contender {name!r}')


# -- environment --------------------------------------------------------------

_LISTENER = None


def prepare(scenario, params):
    """An idle listener, unless the driver says otherwise (--no-listener).

    Services always have sockets, and with one registered the hub waits
    in ``epoll_wait`` (see harness.green.install_listener).
    """
    global _LISTENER
    if params.get('listener', True):
        _LISTENER = green.install_listener()


# -- scenarios ----------------------------------------------------------------

def sc_micro(lc, contender, p):
    """Per-iteration cost, RetryDecorator overhead, stop->wait latency."""
    values = {}
    done_cls = lc.LoopingCallDone

    # 1. per-iteration cost ------------------------------------------------
    def periter(kind, n):
        count = [0]

        if kind == 'fixed':
            def f():
                count[0] += 1
                if count[0] >= n:
                    raise done_cls('finished')
        else:
            def f():
                count[0] += 1
                if count[0] >= n:
                    raise done_cls('finished')
                return 0
        result, seconds = timed_loop(lc, kind, f, n)
        ok = result == 'finished' and count[0] == n
        return seconds / n * 1e6, ok, (result, count[0])

    periter_medians(periter, p, values)

    # 6. RetryDecorator first-time success ------------------------------------
    import tenacity

    def tenacity_retry(target):
        return tenacity.retry(
            stop=tenacity.stop_after_attempt(4),
            wait=tenacity.wait_fixed(0.01),
            retry=tenacity.retry_if_exception_type(ValueError),
            reraise=True)(target)

    retry_overhead(lc, p, values, others=(('tenacity', tenacity_retry),))

    # 4. stop -> wait latency ----------------------------------------------
    def idle(loop, ran):
        if not spin_until(ran, 5):
            return False
        eventlet.sleep(0)       # now certainly idle in its 60 s wait
        return True

    stop_latency(lc, p, values, idle, '')
    return values


def start_loops(lc, n, interval, f, stagger=False):
    loops = []
    append = loops.append
    cls = lc.FixedIntervalLoopingCall
    for i in range(n):
        loop = cls(f, i)
        if stagger and i:
            loop.start(interval, initial_delay=interval * i / n)
        else:
            loop.start(interval)
        append(loop)
    return loops


def stop_and_verify(loops, name):
    t0 = perf()
    for loop in loops:
        loop.stop()
    bad = 0
    for loop in loops:
        if loop.wait() is not True:
            bad += 1
    t1 = perf()
    check(f'{name}: all {len(loops)} loops stopped, wait() returned True',
          bad == 0, f'bad={bad}')
    return (t1 - t0) / max(1, len(loops)) * 1e6


def sc_start(lc, contender, p):
    """Start cost and memory per idle loop at N loops."""
    n = p['n']
    values = {'n': n}
    count = [0]

    def f(i):
        count[0] += 1

    # One loop first, outside the timed window: lazy imports and first-use
    # set-up (ours picks its backend and registers a waker pipe on first
    # use) are a one-time cost, reported on its own, not a per-loop one.
    t0 = perf()
    first = start_loops(lc, 1, 3600, f)
    ok = spin_until(lambda: count[0] >= 1, 10)
    t1 = perf()
    stop_and_verify(first, 'first loop')
    check('first loop ran once', ok and count[0] == 1, count[0])
    values['first_loop_us'] = (t1 - t0) * 1e6
    del first
    count[0] = 0

    gc.collect()
    live0, threads0 = green.greenlet_counts()
    rss0 = probes.rss_bytes()
    t0 = perf()
    loops = start_loops(lc, n, 3600, f)
    t1 = perf()
    ok = spin_until(lambda: count[0] >= n, 120)
    t2 = perf()
    gc.collect()
    rss1 = probes.rss_bytes()
    check(f'start {n}: every loop ran exactly once and is idle',
          ok and count[0] == n, count[0])
    values['start_us'] = (t2 - t0) / n * 1e6
    values['start_call_us'] = (t1 - t0) / n * 1e6
    if rss0 is not None:
        values['rss_per_loop'] = (rss1 - rss0) / n
    values['stop_us'] = stop_and_verify(loops, f'start {n}')
    eventlet.sleep(0)
    check(f'start {n}: no loop ran after stop()', count[0] == n, count[0])
    del loops
    gc.collect()
    live1, threads1 = green.greenlet_counts()
    check(f'start {n}: no greenthread left after stop+wait',
          live1 == live0 and threads1 == threads0,
          f'live {live0}->{live1}, GreenThread objects {threads0}->{threads1}')

    if n <= p['mem_max']:
        import tracemalloc
        count[0] = 0
        gc.collect()
        tracemalloc.start()
        gc.collect()
        m0 = tracemalloc.get_traced_memory()[0]
        loops = start_loops(lc, n, 3600, f)
        ok = spin_until(lambda: count[0] >= n, 120)
        gc.collect()
        m1 = tracemalloc.get_traced_memory()[0]
        check(f'memory {n}: every loop ran once and is idle',
              ok and count[0] == n, count[0])
        values['traced_per_loop'] = (m1 - m0) / n
        stop_and_verify(loops, f'memory {n}')
        tracemalloc.stop()
    return values


def sc_idle(lc, contender, p):
    """CPU per wake-up with many idle loops (staggered due times)."""
    n, interval, window = p['n'], p['interval'], p['window']
    count = [0]

    def f(i):
        count[0] += 1

    loops = start_loops(lc, n, interval, f, stagger=True)
    ok = spin_until(lambda: count[0] >= n, 60)
    eventlet.sleep(interval)                      # steady state
    c0, p0, w0 = count[0], time.process_time(), clock()
    eventlet.sleep(window)
    c1, p1, w1 = count[0], time.process_time(), clock()
    wakes = c1 - c0
    expected = n * (w1 - w0) / interval
    check(f'idle: {n} loops all started', ok, count[0])
    check(f'idle: wake-ups counted within 5% of {expected:.0f} expected',
          abs(wakes - expected) <= 0.05 * expected, wakes)
    stop_and_verify(loops, 'idle')
    return {'cpu_per_wake_us': (p1 - p0) / max(1, wakes) * 1e6,
            'cpu_pct': (p1 - p0) / (w1 - w0) * 100,
            'wakes_per_s': wakes / (w1 - w0)}


def sc_capacity(lc, contender, p):
    """Many loops at a short interval: throughput and lateness."""
    n, interval, window = p['n'], p['interval'], p['window']
    count = [0]
    last = [0.0] * n
    late = []
    recording = [False]

    def f(i):
        now = clock()
        if recording[0]:
            prev = last[i]
            if prev:
                late.append(now - prev - interval)
            count[0] += 1
        last[i] = now

    loops = start_loops(lc, n, interval, f, stagger=True)
    eventlet.sleep(0.2)                               # warm-up
    for i in range(n):
        last[i] = 0.0
    recording[0] = True
    w0 = clock()
    eventlet.sleep(window)
    recording[0] = False
    w1 = clock()
    stop_and_verify(loops, 'capacity')
    got = count[0]
    check('capacity: loops ran during the window', got > 0, got)
    asked = n / interval
    return {'iter_per_s': got / (w1 - w0),
            'pct_of_asked': got / (w1 - w0) / asked * 100,
            'late_p50_ms': pct(late, 50) * 1e3,
            'late_p99_ms': pct(late, 99) * 1e3}


def sc_accuracy(lc, contender, p):
    """Mean period and drift of one loop, short f and f taking half."""
    values = {}
    done_cls = lc.LoopingCallDone
    for interval, kind, periods in p['cases']:
        starts = []
        half = interval / 2

        def f():
            now = clock()
            starts.append(now)
            if len(starts) > periods:
                raise done_cls('finished')
            if kind == 'half':
                end = now + half
                while clock() < end:
                    pass

        loop = lc.FixedIntervalLoopingCall(f)
        loop.start(interval)
        result = loop.wait()
        key = f'{kind}_{int(round(interval * 1000))}ms'
        check(f'accuracy {key}: {periods} periods then done',
              result == 'finished' and len(starts) == periods + 1,
              (result, len(starts)))
        n = len(starts) - 1
        mean = (starts[-1] - starts[0]) / n
        periods_list = [b - a for a, b in zip(starts, starts[1:])]
        values[f'err_{key}'] = (mean - interval) / interval * 100
        values[f'abserr_{key}'] = abs_period_error_ms(starts, interval)
        values[f'p99_period_{key}'] = pct(periods_list, 99) * 1e3
    return values


def abs_period_error_ms(starts, interval):
    """Mean |period - interval| over consecutive runs, in ms."""
    periods = [b - a for a, b in zip(starts, starts[1:])]
    return statistics.fmean(abs(x - interval) for x in periods) * 1e3


def sc_drift(lc, contender, p):
    """Drift over 100 periods at 100 ms: a short f and one idling half.

    The two loops share the process but never the hub at the same time:
    the short one is offset by a quarter interval, and the half-interval f
    is eventlet-friendly (it sleeps through the hub, like I/O would), so
    neither delays the other. Light enough that the three contenders'
    processes run concurrently.
    """
    interval, periods = p['interval'], p['periods']
    done_cls = lc.LoopingCallDone
    starts = {'short': [], 'half': []}

    def make(kind):
        mine = starts[kind]

        def f():
            mine.append(clock())
            if len(mine) > periods:
                raise done_cls('finished')
            if kind == 'half':
                eventlet.sleep(interval / 2)
        return f

    # The driver starts the three processes together and names a common
    # start time, so that no process is still importing (busy) while the
    # others measure.
    eventlet.sleep(max(0.0, p.get('start_at', 0) - time.time()))
    half = lc.FixedIntervalLoopingCall(make('half'))
    short = lc.FixedIntervalLoopingCall(make('short'))
    half.start(interval)
    short.start(interval, initial_delay=interval / 4)
    results = {'half': half.wait(), 'short': short.wait()}
    values = {}
    ms = int(round(interval * 1000))
    for kind, ts in starts.items():
        key = f'{kind}_{ms}ms'
        check(f'drift {key}: {periods} periods then done',
              results[kind] == 'finished' and len(ts) == periods + 1,
              (results[kind], len(ts)))
        n = len(ts) - 1
        total = ts[-1] - ts[0] - n * interval
        values[f'err_{key}'] = total / (n * interval) * 100
        values[f'drift_{key}'] = total / n * 100 * 1e3
        offsets = [t - ts[0] - k * interval for k, t in enumerate(ts)]
        values[f'abserr_{key}'] = abs_period_error_ms(ts, interval)
        values[f'maxoff_{key}'] = max(abs(x) for x in offsets) * 1e3
        # Lateness of each run against the first, in ms: the docs plot it.
        values[f'offsets_{key}'] = [round(x * 1e3, 3) for x in offsets]
    return values


def sc_leak(lc, contender, p):
    """start/stop/wait cycles leave no greenthread, timer or memory."""
    import tracemalloc
    cycles, interval = p['cycles'], p['interval']
    ran = [0]

    def f():
        ran[0] += 1

    def cycle(k):
        bad = 0
        for _ in range(k):
            loop = lc.FixedIntervalLoopingCall(f)
            loop.start(interval)
            before = ran[0]
            spin_until(lambda: ran[0] > before, 5)
            loop.stop()
            if loop.wait() is not True:
                bad += 1
        return bad

    def settle():
        # Cancelled timers stay in eventlet's heap until they are due:
        # outlive them so the hub can drop them.
        eventlet.sleep(interval * 2 + 0.02)
        gc.collect()

    tracemalloc.start()
    cycle(50)                                    # warm caches
    settle()
    base_mem = tracemalloc.get_traced_memory()[0]
    base_threads = green.greenlet_counts()
    base_timers = green.hub_timers()
    bad = cycle(cycles)
    settle()
    mem1 = tracemalloc.get_traced_memory()[0]
    threads1 = green.greenlet_counts()
    timers1 = green.hub_timers()
    bad += cycle(cycles)
    settle()
    mem2 = tracemalloc.get_traced_memory()[0]
    threads2 = green.greenlet_counts()
    timers2 = green.hub_timers()
    tracemalloc.stop()
    check(f'leak: {2 * cycles} cycles, each ran f and wait() returned '
          f'True', bad == 0 and ran[0] == 50 + 2 * cycles, (bad, ran[0]))
    gt_left = max(threads1[0] - base_threads[0], threads1[1] - base_threads[1],
                  threads2[0] - base_threads[0], threads2[1] - base_threads[1])
    timers_left = max(timers1[0] - base_timers[0],
                      timers2[0] - base_timers[0])
    return {'greenthreads_left': gt_left,
            'timers_left': timers_left,
            'mem_delta_kib': (mem2 - base_mem) / 1024,
            'mem_growth_kib': (mem2 - mem1) / 1024,
            'detail': {'threads': [base_threads, threads1, threads2],
                       'timers': [base_timers, timers1, timers2],
                       'mem': [base_mem, mem1, mem2]}}


def sc_load(lc, contender, p):
    """One loop at 100 ms while competitor processes keep the CPU busy."""
    interval, periods = p['interval'], p['periods']
    done_cls = lc.LoopingCallDone
    starts = []

    def f():
        starts.append(clock())
        if len(starts) > periods:
            raise done_cls('finished')

    # They end by themselves, should this process be killed first.
    from harness import procs
    burners = procs.start_busy(p['burners'], interval * periods + 5)
    try:
        eventlet.sleep(0.2)                 # the competitors are running
        loop = lc.FixedIntervalLoopingCall(f)
        loop.start(interval)
        result = loop.wait()
    finally:
        procs.stop_busy(burners)
    check(f'load: {periods} periods then done',
          result == 'finished' and len(starts) == periods + 1,
          (result, len(starts)))
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    n = len(starts) - 1
    return {'min_gap_frac': min(gaps) / interval,
            'drift_ms': (starts[-1] - starts[0] - n * interval) / n * 1e5,
            'abserr_ms': abs_period_error_ms(starts, interval)}


def sc_stall(lc, contender, p):
    """A non-yielding call blocks the hub for longer than the interval."""
    interval, stall = p['interval'], p['stall']
    done_cls = lc.LoopingCallDone
    starts = []

    def f():
        starts.append(clock())
        if len(starts) == 1:
            # Runs right after this first run, in another greenthread, and
            # does not yield (like a long CPU-bound or blocking call).
            eventlet.spawn(time.sleep, stall)
        if len(starts) > 4:
            raise done_cls('finished')

    loop = lc.FixedIntervalLoopingCall(f)
    loop.start(interval)
    result = loop.wait()
    check('stall: 4 periods then done', result == 'finished', result)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    return {'gaps_s': [round(g, 4) for g in gaps],
            'min_gap_frac': min(gaps) / interval}


SCENARIOS = {
    'micro': sc_micro,
    'start': sc_start,
    'idle': sc_idle,
    'capacity': sc_capacity,
    'accuracy': sc_accuracy,
    'drift': sc_drift,
    'load': sc_load,
    'stall': sc_stall,
    'leak': sc_leak,
}


if __name__ == '__main__':
    main(SCENARIOS, load, prepare)
