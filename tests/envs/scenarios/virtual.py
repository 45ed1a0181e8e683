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

"""Virtual time over native threads in this process, as a test suite uses it.

OpenStack test suites monkey-patch first thing; their move to native
threads starts with ``BackendFixture('threading')`` (or the environment
variable) in such a suite. The loops are then real OS threads, and the
virtual clock's locks must be real OS locks too: a green one, taken by a
loop thread, hangs the test for ever.

A hang is bounded by the harness's deadline: a wait blocked on a real
lock cannot be interrupted by an ``eventlet.Timeout``.
"""

import contextlib

from oslo_loopingcall._backends import native as _native
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall as lc


def _clock_in_threads(via):
    """The mode fixture, if the process's mode is not threading already."""
    if via == 'fixture':
        return fixture.BackendFixture('threading')
    return contextlib.nullcontext()


def every_use(via='fixture'):
    """A loop's schedule, a stop, a retry in the test and a manual step.

    ``via``: ``'fixture'`` (``BackendFixture('threading')`` in a process
    in eventlet mode) or ``'env'`` (the process is in threading mode).
    """
    out = {}
    with _clock_in_threads(via), fixture.VirtualTimeFixture() as clock:
        # A green lock hangs only when contended: look at what they are.
        out['real_locks'] = _real_locks(clock._clock)
        runs = []

        def f():
            runs.append(clock.now())
            if len(runs) == 3:
                raise lc.LoopingCallDone('ok')

        timer = lc.FixedIntervalLoopingCall(f)
        out['wait'] = timer.start(10).wait()
        out['runs'] = runs

        sleeper = lc.FixedIntervalLoopingCall(lambda: None)
        done = sleeper.start(3600)
        out['idle'] = clock.idle_times_of(sleeper)
        sleeper.stop()
        out['stopped'] = done.wait()

        attempts = []

        @lc.RetryDecorator(max_retry_count=2, inc_sleep_time=5,
                           exceptions=(KeyError,))
        def flaky():
            attempts.append(clock.now())
            if len(attempts) < 3:
                raise KeyError()
            return 'fetched'

        out['retry'] = flaky()
        out['attempts'] = attempts
    with _clock_in_threads(via), fixture.VirtualTimeFixture(
            autojump=False) as clock:
        ticks = []
        timer = lc.FixedIntervalLoopingCall(lambda: ticks.append(clock.now()))
        timer.start(10)
        # Looking lets the loop run its first turn, at 0.
        out['first'] = clock.idle_times
        clock.advance(10)
        out['by_hand'] = ticks
        timer.stop()
        timer.wait()
    return out


def _real_locks(backend):
    """Whether the virtual clock's lock and condition are real ones."""
    threads = _native.original('threading')
    return [type(backend._lock) is _native.original('_thread').RLock,
            type(backend._cond) is threads.Condition]


EXPECTED = {
    'real_locks': [True, True],
    'wait': 'ok', 'runs': [0.0, 10.0, 20.0],
    'idle': [3600], 'stopped': True,
    'retry': 'fetched', 'attempts': [20.0, 25.0, 35.0],
    'first': [10], 'by_hand': [0.0, 10.0],
}
