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

"""Scenarios of processes shaped by eventlet: monkey-patched, asyncio hub.

The same scenarios serve both environments (the harness sets them up
before this module loads): stop() and wait() from OS threads that eventlet
does not manage (threads of ``patcher.original('threading')``, and
``eventlet.tpool``'s workers, where nova runs libvirt calls). Every loop
kind and RetryDecorator: :func:`tests.envs.scenarios.kinds.every_kind`.
"""

from oslo_loopingcall import loopingcall as lc
from tests.envs.scenarios import common


#: Seconds within which a woken loop must have ended: a wake-up takes
#: milliseconds; a lost one takes the 30 s of the loop's interval. Also
#: the bound of a wait() from another OS thread on a loop about to end.
PROMPT = common.PROMPT


def _elsewhere(via):
    """How to call a function in another OS thread: returns ``call(fn)``.

    ``call(fn)`` starts ``fn`` there and returns a handle for
    :func:`_outcomes`; this thread (its hub) goes on meanwhile.
    """
    if via == 'os':
        return common.start_os_thread
    if via == 'tpool':
        import eventlet
        from eventlet import tpool
        tpool.execute(lambda: None)  # its worker threads exist from now on

        def call(fn):
            outcome = []
            return eventlet.spawn(
                lambda: outcome.append(common.describe(
                    lambda: tpool.execute(fn)))), outcome
        return call
    raise ValueError(via)


def _outcomes(handles, seconds):
    """The outcomes of calls made with :func:`_elsewhere`, one deadline."""
    common.wait_until(lambda: all(outcome for _, outcome in handles),
                      seconds)
    return [outcome[0] if outcome else 'hung' for _, outcome in handles]


def cross_thread(via='os'):
    """stop() and wait() called from other OS threads (``via``).

    Three sleeping loops are stopped from there, the first one alone: a
    wake-up that breaks the hub's wake-up channel is lost for every later
    stop too. Then wait() from there: a result, a failure (the very
    instance), and stop() followed by wait().
    """
    call = _elsewhere(via)
    common.warm_up()
    before = common.snapshot()
    runs = []
    sleepers = [lc.FixedIntervalLoopingCall(runs.append, i)
                for i in range(3)]
    for timer in sleepers:
        timer.start(interval=common.LONG)
    common.wait_until(lambda: len(runs) == 3)
    stops = [call(sleepers[0].stop)]
    common.sleep(0.1)  # the hub handles the first wake-up on its own
    stops += [call(timer.stop) for timer in sleepers[1:]]
    deadline = common.clock() + PROMPT
    out = {}
    for i, timer in enumerate(sleepers, 1):
        left = max(0.01, deadline - common.clock())
        out[f'stop {i}'] = common.bounded(timer.wait, left)
    out['stop calls'] = sorted(set(_outcomes(stops, PROMPT)))

    error = ValueError('boom')

    def fail():
        raise error
    ending = lc.FixedIntervalLoopingCall(common.finisher('from the loop', 5))
    failing = lc.FixedIntervalLoopingCall(fail)
    sleeper = lc.FixedIntervalLoopingCall(lambda: None)
    # Each waiter arrives while its loop still runs (an initial delay).
    ending.start(interval=0.01, initial_delay=0.05)
    failing.start(interval=0.01, initial_delay=0.05)
    sleeper.start(interval=common.LONG)
    handles = [call(ending.wait),
               call(lambda: common.raises_same(failing.wait, error)),
               call(lambda: (sleeper.stop(), sleeper.wait())[1])]
    out['wait'], out['wait_failure'], out['stop_and_wait'] = _outcomes(
        handles, PROMPT)
    out['leaks'] = common.leaks(before)
    return out


#: What :func:`cross_thread` returns when every guarantee holds.
CROSS_EXPECTED = {
    'stop 1': 'returned True', 'stop 2': 'returned True',
    'stop 3': 'returned True', 'stop calls': ['returned None'],
    'wait': "returned 'from the loop'",
    # wait() raised the very instance f raised.
    'wait_failure': 'returned True',
    'stop_and_wait': 'returned True',
    'leaks': {},
}
