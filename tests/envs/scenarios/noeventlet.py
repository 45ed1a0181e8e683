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

"""Scenarios of a process where eventlet is not installed.

Run with the harness's ``block_eventlet`` (``import eventlet`` and
``import greenlet`` fail, and every attempt is recorded with the module
that made it), or as a script in a virtualenv without eventlet
(``tox -e noeventlet``): ``python -m tests.envs.scenarios.noeventlet``
prints the result and exits non-zero if anything is wrong.
"""

import json
import logging
import sys

from tests.envs.scenarios import common
from tests.envs.scenarios import kinds


def native_threads():
    """Native-thread mode, all of it: loops, retries, fixtures."""
    from oslo_loopingcall import backend
    from oslo_loopingcall import fixture
    from oslo_loopingcall import loopingcall as lc
    out = kinds.every_kind()
    out['mode'] = backend.get_backend()
    fx = fixture.VirtualTimeFixture()
    fx.setUp()
    try:
        timer = lc.FixedIntervalWithTimeoutLoopingCall(lambda: None)
        outcome = common.bounded(
            lambda: timer.start(interval=60, timeout=300).wait())
        out['virtual time'] = f'{outcome.split(":")[0]} at {fx.now()}'
    finally:
        fx.cleanUp()
    fx = fixture.SleepFixture()
    fx.setUp()
    try:
        timer = lc.FixedIntervalLoopingCall(common.finisher('slept', 3))
        out['sleep fixture'] = common.bounded(
            lambda: timer.start(interval=3600).wait(), 2)
    finally:
        fx.cleanUp()
    out['eventlet loaded'] = sorted(
        m for m in sys.modules if m.partition('.')[0] in
        ('eventlet', 'greenlet'))
    return out


def default_mode():
    """No mode chosen: what the first loop does without eventlet."""
    from oslo_loopingcall import backend
    from oslo_loopingcall import loopingcall as lc
    out = {'mode': common.describe(backend.get_backend)}

    def one_loop():
        timer = lc.FixedIntervalLoopingCall(common.finisher('ran', 2))
        timer.start(interval=0.001)
        return timer.wait()
    out['loop'] = common.bounded(one_loop)
    return out


if __name__ == '__main__':
    # The loops that fail on purpose log at ERROR: not news here.
    logging.disable(logging.CRITICAL)
    result = native_threads()
    print(json.dumps(result, indent=1))
    wrong = {k: v for k, v in kinds.EXPECTED.items() if result.get(k) != v}
    if wrong or result['mode'] != 'threading' or result['eventlet loaded']:
        print('FAILED: ' + json.dumps(wrong))
        sys.exit(1)
    print('native-thread mode works without eventlet')
