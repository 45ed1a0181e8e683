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

"""What every scenario uses: bounded waits, OS threads, leak snapshots.

Outcomes are strings, so that a test can compare a whole dict of them and
a failure shows every cell at once: ``'returned <repr>'``, ``'raised
<Type>: <message>'`` or ``'hung'``.

Imports nothing of eventlet unless the process already uses it.
"""

import os
import time

from harness import modes
from harness import probes
from oslo_loopingcall import loopingcall

MODE = os.environ.get('OSLO_LOOPINGCALL_BACKEND', 'eventlet')
#: Whether loops run in eventlet greenthreads.
GREEN = MODE == 'eventlet'

#: Seconds any single wait of a scenario may take before it counts as hung:
#: far above what any of them needs, far below the harness's deadline.
#: Generous on purpose: CI machines can be overbooked many times over, and
#: a wait that does end only costs what it needs.
BOUND = 10.0

#: A loop that sleeps this long between runs can only end in time if
#: stop() really wakes it.
LONG = 30.0

#: A wait after stop() that ends within this many seconds was woken by the
#: stop (the loop would otherwise sleep LONG); a third of LONG leaves room
#: for an overbooked machine without ever passing a loop that slept.
PROMPT = LONG / 3

monkey_patched = modes.monkey_patched
os_threading = modes.os_threading
#: Sleep, letting this thread's loops run (its hub, in eventlet mode).
sleep = modes.Mode(MODE).sleep
#: What a leak check compares: OS threads, fds, greenthreads.
snapshot = probes.snapshot


def clock():
    """A monotonic clock that monkey patching cannot slow down."""
    return time.monotonic()


def describe(fn, deadline=None):
    """Call ``fn``; return its outcome string.

    ``deadline``: an ``eventlet.Timeout`` bounding the call; its expiry is
    reported as ``'hung'``.
    """
    try:
        value = fn()
    except BaseException as exc:  # noqa: B902 - reported as data
        if exc is deadline and deadline is not None:
            return 'hung'
        return f'raised {type(exc).__name__}: {exc}'
    return f'returned {value!r}'


def raises_same(fn, error):
    """Whether ``fn()`` raises the very instance ``error``."""
    try:
        fn()
    except BaseException as exc:  # noqa: B902 - compared by identity
        return exc is error
    return False


def bounded(fn, seconds=BOUND):
    """Call ``fn`` here (this greenthread or thread), at most ``seconds``.

    In eventlet mode (or a monkey-patched process) ``fn`` blocks green, so
    an ``eventlet.Timeout`` bounds it; with native threads ``fn`` runs in
    a helper thread, abandoned if it hangs.
    """
    if GREEN or monkey_patched():
        import eventlet
        timer = eventlet.Timeout(seconds)
        try:
            return describe(fn, deadline=timer)
        finally:
            timer.cancel()
    thread, outcome = start_os_thread(fn)
    return join(thread, outcome, seconds)


def start_os_thread(fn, name='scenario'):
    """Run ``fn`` in a new OS thread; return (thread, outcome list)."""
    outcome = []
    thread = os_threading().Thread(
        target=lambda: outcome.append(describe(fn)), name=name, daemon=True)
    thread.start()
    return thread, outcome


def join(thread, outcome, seconds=BOUND):
    """Wait for an OS thread from :func:`start_os_thread`; its outcome.

    Polls with :func:`sleep`, so that the loops of this thread (its hub,
    in eventlet mode) keep running meanwhile: a native ``join()`` would
    block them, and a waiter in another thread would wait for ever.
    """
    deadline = clock() + seconds
    while thread.is_alive() and clock() < deadline:
        sleep(0.002)
    return outcome[0] if outcome else 'hung'


def in_os_thread(fn, seconds=BOUND):
    """Call ``fn`` in a new OS thread and return its outcome (bounded)."""
    thread, outcome = start_os_thread(fn)
    return join(thread, outcome, seconds)


def wait_until(predicate, seconds=BOUND):
    """Sleep until ``predicate()``; return whether it became true."""
    return probes.wait_until(predicate, seconds, 0.002, sleep)


def finisher(value, runs):
    """An ``f`` that ends its loop with ``LoopingCallDone(value)``.

    It ends on its ``runs``-th run; ``f.calls`` counts the runs.
    """
    def f(*args):
        f.calls += 1
        if f.calls >= runs:
            raise loopingcall.LoopingCallDone(value)
        return args[0] if args else None
    f.calls = 0
    return f


def retried_twice():
    """A RetryDecorator-wrapped function that succeeds on its third try.

    Returns ``(flaky, attempts)``: ``flaky()`` raises KeyError twice, then
    returns ``'retried'``; ``attempts`` grows by one at each attempt.
    """
    attempts = []

    @loopingcall.RetryDecorator(max_retry_count=3, inc_sleep_time=0.01,
                                exceptions=(KeyError,))
    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise KeyError('again')
        return 'retried'
    return flaky, attempts


def warm_up():
    """Start and end one loop in this thread.

    The first loop of an eventlet hub creates the hub's wake-up pipe, kept
    for the hub's life by design: it must exist before a leak baseline is
    taken.
    """
    timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
    timer.start(interval=LONG)
    timer.stop()
    bounded(timer.wait)


def leaks(before, settle=BOUND, ignore=()):
    """What is left since ``before`` (waiting up to ``settle`` for it to go).

    eventlet itself keeps the epoll descriptor of every OS thread that ran
    a hub after the thread has ended: those are counted apart, as ``'hub
    epolls'``, and left for the scenario to judge (``ignore`` them to wait
    only for the rest).

    :returns: {} when nothing is left; otherwise what grew.
    """
    return probes.leaks(before, settle=settle, sleep=sleep, poll=0.01,
                        ignore=ignore)


def hub_epolls(before):
    """How many epoll descriptors eventlet's hubs kept since ``before``."""
    return probes.growth(before, snapshot()).get('hub epolls', 0)
