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

"""Every loop kind and RetryDecorator, in whatever process runs this.

Shared by the environments: monkey-patched, asyncio hub, no eventlet, a
forked child.
"""

from oslo_loopingcall import loopingcall as lc
from tests.envs.scenarios import common


#: What :func:`every_kind` returns when every guarantee holds.
EXPECTED = {
    'fixed': "returned 'fixed' after 3 runs",
    'fixed_with_timeout': 'raised LoopingCallTimeOut',
    'dynamic': "returned 'dynamic' after 3 runs",
    'backoff': "returned 'backoff'",
    'retry': "returned 'retried' after 3 attempts",
    # wait() raised the very instance f raised.
    'failure': 'returned True',
    'stop_from_sibling': 'returned True at once',
    'leaks': {},
}


def _kind(outcome):
    """An outcome without its message (timings vary)."""
    return outcome.split(':')[0]


def _sibling(fn):
    """Run ``fn`` in another greenthread (another thread, natively)."""
    if common.GREEN:
        import eventlet
        eventlet.spawn(fn)
    else:
        import threading
        threading.Thread(target=fn, daemon=True).start()


def _each_kind(out):
    f = common.finisher('fixed', 3)
    timer = lc.FixedIntervalLoopingCall(f)
    timer.start(interval=0.01)
    out['fixed'] = f'{common.bounded(timer.wait)} after {f.calls} runs'

    timer = lc.FixedIntervalWithTimeoutLoopingCall(lambda: None)
    timer.start(interval=0.01, timeout=0.05)
    out['fixed_with_timeout'] = _kind(common.bounded(timer.wait))

    f = common.finisher('dynamic', 3)
    timer = lc.DynamicLoopingCall(f, 0.01)
    timer.start()
    out['dynamic'] = f'{common.bounded(timer.wait)} after {f.calls} runs'

    answers = [False, False, True]

    def backoff():
        if not answers:
            raise lc.LoopingCallDone('backoff')
        return answers.pop(0)
    timer = lc.BackOffLoopingCall(backoff)
    timer.start(starting_interval=0.01, max_interval=0.02, jitter=None)
    out['backoff'] = common.bounded(timer.wait)

    flaky, attempts = common.retried_twice()
    out['retry'] = f'{common.bounded(flaky)} after {len(attempts)} attempts'


def _failures_and_stops(out):
    error = ValueError('boom')

    def fail():
        raise error
    timer = lc.FixedIntervalLoopingCall(fail)
    timer.start(interval=0.01)
    # 'returned True': wait() raised the very instance f raised.
    out['failure'] = common.bounded(
        lambda: common.raises_same(timer.wait, error))

    runs = []
    timer = lc.FixedIntervalLoopingCall(runs.append, 1)
    timer.start(interval=common.LONG)
    common.wait_until(lambda: runs)
    _sibling(timer.stop)
    started = common.clock()
    outcome = common.bounded(timer.wait)
    prompt = 'at once' if common.clock() - started < common.PROMPT else 'late'
    out['stop_from_sibling'] = f'{outcome} {prompt}'


def every_kind():
    """Every loop kind, RetryDecorator, a failure, a stop; no leaks."""
    common.warm_up()
    before = common.snapshot()
    out = {}
    _each_kind(out)
    _failures_and_stops(out)
    out['leaks'] = common.leaks(before)
    return out
