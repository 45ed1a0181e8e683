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

"""Scenarios of a stalled scheduler and of a CPU under contention.

A *stall* is a call that does not yield for a while: in eventlet mode a
blocking call in a greenthread (the whole hub waits for it); with native
threads a thread that keeps the GIL (the switch interval raised, so that
no other thread runs until it lets go). Either way no loop can run during
the stall, which is measured: its length is a fact of the scenario, not a
hope about the machine.

Schedules are checked from below only. A loop can run late on a loaded
machine, never early: a gap shorter than the interval (a burst of runs
making up for a stall) is a defect whatever the load, and the load can
only make gaps longer.
"""

import sys
import threading
import time

from oslo_loopingcall import loopingcall as lc
from tests.envs.scenarios import common
from tests.envs.scenarios import seams


def stall(seconds):
    """Keep every loop of this process from running for ``seconds``."""
    if common.GREEN:
        seams.native_sleep(seconds)  # the hub's thread blocks
        return
    previous = sys.getswitchinterval()
    sys.setswitchinterval(60)  # nobody else gets the GIL meanwhile
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
    finally:
        sys.setswitchinterval(previous)


def _in_background(fn):
    if common.GREEN:
        import eventlet
        eventlet.spawn(fn)
    else:
        threading.Thread(target=fn, daemon=True).start()


def schedule_after_a_stall(interval=0.2, block=0.5, runs=4):
    """Run times of a fixed-interval loop stalled after its first run.

    Expected gaps: ``block`` (the stall delays the second run), then
    ``interval`` each: the time lost is not made up with a burst.
    """
    times = []
    stalled = []

    def f():
        times.append(common.clock())
        if len(times) == 1:
            # After this run returns: nothing can run for `block` seconds.
            _in_background(lambda: stalled.append(_timed(stall, block)))
        if len(times) == runs:
            raise lc.LoopingCallDone(len(times))

    timer = lc.FixedIntervalLoopingCall(f)
    timer.start(interval=interval)
    outcome = common.bounded(timer.wait)
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
    return {'outcome': outcome, 'gaps': gaps, 'stall': stalled}


def _timed(fn, *args):
    started = common.clock()
    fn(*args)
    return round(common.clock() - started, 3)


def _loops(n):
    """Start ``n`` loops of every kind that each end on their own."""
    timers = []
    for i in range(n):
        f = common.finisher(('fixed', i), 5)
        timer = lc.FixedIntervalLoopingCall(f)
        timer.start(interval=0.005)
        timers.append((timer, f, ('fixed', i)))
        f = common.finisher(('dynamic', i), 5)
        timer = lc.DynamicLoopingCall(f, 0.005)
        timer.start()
        timers.append((timer, f, ('dynamic', i)))
        answers = [False, True, False]

        def backoff(answers=answers, i=i):
            if not answers:
                raise lc.LoopingCallDone(('backoff', i))
            return answers.pop()
        timer = lc.BackOffLoopingCall(backoff)
        timer.start(starting_interval=0.005, max_interval=0.01, jitter=None)
        timers.append((timer, None, ('backoff', i)))
    return timers


def nothing_hangs_or_is_lost(loops=20, stalls=5, length=0.1):
    """Many loops through repeated stalls; a stop sent during a stall.

    Every loop must end with its own result after exactly its runs; a
    stop() sent from another OS thread while the scheduler is stalled
    must take effect as soon as the stall ends.
    """
    common.warm_up()
    before = common.snapshot()
    runs = []
    sleeper = lc.FixedIntervalLoopingCall(runs.append, 1)
    sleeper.start(interval=common.LONG)
    common.wait_until(lambda: runs)
    timers = _loops(loops)
    stopper = []

    def stalls_with_a_stop():
        for i in range(stalls):
            if i == 2:
                stopper.append(common.start_os_thread(sleeper.stop))
            stall(length)
            common.sleep(0.01)
    _in_background(stalls_with_a_stop)
    wrong = []
    for timer, f, expected in timers:
        got = common.bounded(timer.wait)
        if got != f'returned {expected!r}' or (f and f.calls != 5):
            wrong.append([repr(expected), got, f.calls if f else None])
    common.wait_until(lambda: stopper)
    started = common.clock()
    woke = common.bounded(sleeper.wait)
    prompt = common.clock() - started < common.PROMPT
    return {'wrong': wrong, 'stopped during a stall': f'{woke} {prompt}',
            'stopper': common.join(*stopper[0]),
            'leaks': common.leaks(before)}


def under_contention(loops=10, interval=0.02, runs=5):
    """Loops, retries and cross-thread stops with the CPU overbooked.

    Run with competitor processes (harness ``competitors=``). Nothing may
    hang or be lost, and no run may come before its due time (late runs
    may: the machine is overbooked).
    """
    common.warm_up()
    before = common.snapshot()
    timers = _loops(loops)
    times = []

    def f():
        times.append(common.clock())
        if len(times) == runs:
            raise lc.LoopingCallDone('paced')
    paced = lc.FixedIntervalLoopingCall(f)
    paced.start(interval=interval)
    flaky, attempts = common.retried_twice()
    out = {'retry': f'{common.bounded(flaky)} after {len(attempts)}'}
    sleeper = lc.FixedIntervalLoopingCall(lambda: None)
    sleeper.start(interval=common.LONG)
    out['stop from an OS thread'] = common.in_os_thread(sleeper.stop)
    out['its wait'] = common.bounded(sleeper.wait)
    ended = [(repr(e), common.bounded(t.wait), f'returned {e!r}')
             for t, _, e in timers]
    out['wrong'] = [[e, got] for e, got, right in ended if got != right]
    out['paced'] = common.bounded(paced.wait)
    # Run k is due ``k * interval`` after the first; a late run makes the
    # next gap shorter (the schedule holds), but no run may come before
    # its due time. 5 ms of slack: the clock and the timer may round apart.
    out['early runs'] = [
        k for k, started in enumerate(times)
        if started < times[0] + k * interval - 0.005]
    out['leaks'] = common.leaks(before)
    return out
