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

"""One native-thread benchmark scenario for one contender, in a fresh process.

Usage: ``python -m benchmarks._worker_threading CONTENDER SCENARIO
JSON_PARAMS``

CONTENDER is ``floor-threading`` (benchmarks/floor_threading.py),
``ours-threading`` (oslo_loopingcall with ``set_backend('threading')``) or
``ref-threading`` (oslo.service 4.8.0 with its threading backend). The
result is printed as one JSON object on the last line of stdout, as by
``_worker.py``: ``values`` and ``checks``. This worker imports nothing of
eventlet itself (oslo.service's threading backend imports it through
futurist, without patching anything).
"""

import gc
import json
import threading
import time
import warnings

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from benchmarks._common import check  # noqa: E402
from benchmarks._common import CHECKS  # noqa: E402
from benchmarks._common import main  # noqa: E402
from benchmarks._common import ours_tree  # noqa: E402
from benchmarks._common import periter_medians  # noqa: E402
from benchmarks._common import retry_overhead  # noqa: E402
from benchmarks._common import stop_latency  # noqa: E402
from benchmarks._common import timed_loop  # noqa: E402
from harness import modes  # noqa: E402
from harness import probes  # noqa: E402

perf = time.perf_counter
clock = time.monotonic

MAIN = threading.get_ident()


# -- contenders ---------------------------------------------------------------

def load(name):
    """Return the module providing the looping call API for ``name``."""
    if name == 'floor-threading':
        from benchmarks import floor_threading
        return floor_threading
    if name == 'ours-threading':
        with ours_tree():
            from oslo_loopingcall import backend
            backend.set_backend('threading')
            from oslo_loopingcall import loopingcall
        assert backend.get_backend() == 'threading'
        return loopingcall
    if name == 'ref-threading':
        from oslo_service import backend
        backend.init_backend(backend.BackendType.THREADING)
        from oslo_service import loopingcall
        # Make sure this really is the threading backend of oslo.service.
        assert '_threading' in loopingcall.FixedIntervalLoopingCall.__module__
        return loopingcall
    raise SystemExit(f'unknown contender {name!r}')


def check_native(scenario, params):
    """Nothing is monkey-patched: threads are OS threads."""
    check(f'{scenario}: threading is not monkey-patched',
          not modes.monkey_patched())


# -- helpers ------------------------------------------------------------------

def wait_until(cond, limit=5.0, step=20e-6):
    """Poll ``cond()`` (sleeping ``step`` between polls) for ``limit`` s."""
    return probes.wait_until(cond, limit, step)


def idle_in_wait(loop):
    """Whether the loop's thread is blocked on its abort event.

    All three contenders keep the per-loop ``threading.Event`` that
    ``stop()`` sets as ``_abort``; a thread waiting on it is one of the
    event's condition's waiters.
    """
    return bool(loop._abort._cond._waiters)


def is_done(loop):
    """Whether the loop's done object has its outcome (never blocks)."""
    return loop.done._event.is_set()


def extra_threads(base):
    return threading.active_count() - base


def thread_names(limit=3):
    names = [t.name for t in threading.enumerate()
             if t is not threading.main_thread()]
    return names[:limit]


# -- scenarios ----------------------------------------------------------------

def sc_micro(lc, contender, p):
    """Per-iteration cost, stop->wait latency, RetryDecorator overhead."""
    values = {}
    done_cls = lc.LoopingCallDone

    # 1. per-iteration cost ------------------------------------------------
    def periter(kind, n):
        count = [0]
        idents = set()

        def counted():
            if not count[0]:
                idents.add(threading.get_ident())
            count[0] += 1
            if count[0] >= n:
                raise done_cls('finished')

        if kind == 'fixed':
            f = counted
        else:
            def f():
                counted()
                return 0
        result, seconds = timed_loop(lc, kind, f, n)
        ok = (result == 'finished' and count[0] == n and
              MAIN not in idents and len(idents) == 1)
        return seconds / n * 1e6, ok, (result, count[0], len(idents))

    periter_medians(periter, p, values, ' in a thread of its own')

    # 2. stop -> wait latency ----------------------------------------------
    def idle(loop, ran):
        if not wait_until(lambda: ran() and idle_in_wait(loop), 5):
            loop.stop()
            loop.wait()
            return False
        # The thread registered as a waiter just before blocking: give it
        # the moment it needs to really block.
        time.sleep(0.0002)
        return True

    stop_latency(lc, p, values, idle, ', idled,')

    # 3. RetryDecorator first-time success ---------------------------------
    # Last, because oslo.service's threading RetryDecorator leaves one
    # executor thread behind per call.
    retry_overhead(lc, p, values, collect=True)
    return values


def sc_threads(lc, contender, p):
    """OS threads left right after start/stop/wait cycles, and later."""
    cycles, interval = p['cycles'], p['interval']
    ran = [0]
    idents = set()

    def f():
        idents.add(threading.get_ident())
        ran[0] += 1

    gc.collect()
    base = threading.active_count()
    bad = 0
    t0 = perf()
    for _ in range(cycles):
        loop = lc.FixedIntervalLoopingCall(f)
        before = ran[0]
        loop.start(interval)
        if not wait_until(lambda: ran[0] > before, 5):
            bad += 1
        loop.stop()
        if loop.wait() is not True:
            bad += 1
    t1 = perf()
    # Right after the last wait(): no join, no sleep, no collection.
    immediately = extra_threads(base)
    names = thread_names()
    gc.collect()
    time.sleep(p['settle'])
    settled = extra_threads(base)
    time.sleep(p['settle_long'] - p['settle'])
    gc.collect()
    later = extra_threads(base)
    check(f'threads: {cycles} cycles, each ran f once (interval '
          f'{interval} s) and wait() returned True',
          bad == 0 and ran[0] == cycles, (bad, ran[0]))
    check('threads: f ran in threads other than the main one',
          MAIN not in idents and idents, len(idents))
    return {'threads_immediately': immediately,
            'threads_settled': settled,
            'threads_later': later,
            'cycle_us': (t1 - t0) / cycles * 1e6,
            'detail': {'base': base, 'names': names}}


def progress(values):
    """One line of progress for the driver, which may kill us at any time.

    The driver enforces the time limit itself: a process whose thousands
    of threads fight for the GIL can starve this (main) thread for minutes,
    so the driver keeps the last of these lines instead of waiting for the
    final one.
    """
    print(json.dumps({'progress': values, 'checks': CHECKS.items}),
          flush=True)


def sc_stop(lc, contender, p):
    """Start N loops (long interval), then stop() all, then wait() all.

    Both phases have a time limit. A stop phase that runs out of it is
    reported with how far it got (``stopped``: stop() calls made,
    ``waited``: wait() calls returned, ``ended``: loops whose outcome is
    known) instead of a time, and the process exits at once
    (``os._exit``) whatever threads are still alive.
    """
    n, limit = p['n'], p['limit']
    interval = p['interval']
    values = {'n': n, 'limit_s': limit, 'phase': 'start'}
    runs = bytearray(n)        # runs[i] is written by loop i's thread only

    def f(i):
        runs[i] += 1

    gc.collect()
    base = threading.active_count()
    rss0 = probes.rss_bytes()
    cls = lc.FixedIntervalLoopingCall
    loops = []
    t0 = perf()
    deadline = clock() + limit
    error = None
    try:
        for i in range(n):
            loop = cls(f, i)
            loop.start(interval)
            loops.append(loop)
            if not i % 100 and clock() > deadline:
                break
    except Exception as exc:    # e.g. "can't start new thread"
        error = repr(exc)
    started = len(loops)
    all_ran = wait_until(lambda: runs.count(0) == 0, max(
        0.0, deadline - clock()), step=0.005)
    all_idle = all_ran and wait_until(
        lambda: all(idle_in_wait(x) for x in loops),
        max(0.0, deadline - clock()), step=0.005)
    t1 = perf()
    rss1 = probes.rss_bytes()
    values['started'] = started
    values['ran'] = n - runs.count(0)
    check(f'stop {n}: all {n} loops started, ran f once and went idle '
          f'within {limit} s', started == n and all_ran and all_idle,
          f'started={started} ran={values["ran"]} idle={all_idle} '
          f'error={error}')
    values['start_s'] = (t1 - t0) if started == n and all_idle else None
    values['threads_idle'] = extra_threads(base)
    if rss0 is not None and started:
        values['rss_per_loop'] = (rss1 - rss0) / started
    values['stop_s'] = None
    if not (started == n and all_idle):
        return values

    def ended():
        return sum(1 for x in loops if is_done(x))

    # The measured phase: stop() every loop, then wait() for every loop.
    values.update(phase='stop', stopped=0, waited=0, ended=0)
    progress(values)
    t0 = perf()
    deadline = clock() + limit
    report = clock() + 0.5
    stopped = 0
    for loop in loops:
        loop.stop()
        stopped += 1
        if not stopped % 100:
            now = clock()
            if now > report:
                values.update(stopped=stopped, ended=ended(),
                              elapsed_s=perf() - t0)
                progress(values)
                report = now + 0.5
            if now > deadline:
                break
    t_stopped = perf()
    values.update(phase='wait', stopped=stopped, stop_calls_s=t_stopped - t0)
    waited = bad = 0
    for loop in loops[:stopped]:
        while True:
            now = clock()
            if now > deadline:
                break
            if now > report:
                values.update(waited=waited, ended=ended(),
                              elapsed_s=perf() - t0)
                progress(values)
                report = now + 0.5
            try:
                loop.done.wait(min(0.5, deadline - now))
            except RuntimeError:
                continue
            break
        if not is_done(loop):
            break
        # done now holds the outcome: the loop's own wait() returns at once.
        if loop.wait() is not True:
            bad += 1
        waited += 1
    t1 = perf()
    values.update(phase='end', waited=waited)
    if waited == n:
        values.update(stop_s=t1 - t0, ended=n)
    else:
        values.update(elapsed_s=t1 - t0)
        progress(values)
        values.update(ended=ended(), elapsed_s=perf() - t0)
    check(f'stop {n}: every loop waited for returned True from wait()',
          bad == 0, f'bad={bad} of {waited}')
    check(f'stop {n}: no loop ran f again after stop()',
          runs.count(1) == n, f'runs: {sorted(set(runs))}')
    if waited == n:
        time.sleep(p['settle'])
        values['threads_after_stop'] = extra_threads(base)
    return values


SCENARIOS = {
    'thr_micro': sc_micro,
    'thr_threads': sc_threads,
    'thr_stop': sc_stop,
}


if __name__ == '__main__':
    main(SCENARIOS, load, check_native)
