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

"""Test seams consumers patch, and the subclassing API.

Every test runs in both modes (eventlet and native threads).
"""

import json
import subprocess
import sys
import textwrap
from unittest import mock

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


def counting(n, clock=None, run_time=0.0):
    """A function that ends the loop with 'done' on its n-th run.

    With a VirtualTimeFixture ``clock``, each run records the virtual time
    it started at and takes ``run_time`` virtual seconds.
    """
    calls = []

    def f():
        calls.append(clock.now() if clock else None)
        if clock and run_time:
            clock.spend(run_time)
        if len(calls) == n:
            raise loopingcall.LoopingCallDone('done')

    return f, calls


class TestSleepPatches(base.TestCase):
    """A patched _sleep sees the reference's values, on the same schedule."""

    def test_patched_sleep_sees_the_policy_value_not_the_corrected_one(self):
        clock = self.useFixture(fixture.VirtualTimeFixture())
        f, runs = counting(3, clock, run_time=0.002)
        with mock.patch.object(loopingcall.LoopingCallBase,
                               '_sleep') as sleep:
            done = loopingcall.FixedIntervalLoopingCall(f).start(0.1)
            self.assertEqual('done', self.run_until_done(done))
        self.assertEqual(2, sleep.call_count)
        for call in sleep.call_args_list:
            self.assertAlmostEqual(0.098, call.args[0], places=9)
        # The patch decided how to idle: the clock only moved by the runs.
        self.assertAlmostEqual(0.006, clock.now(), places=9)
        self.assertEqual([], clock.idle_times)

    def test_instance_patch_of_sleep_is_honoured(self):
        f, runs = counting(3)
        timer = loopingcall.DynamicLoopingCall(lambda: f() or 7)
        with mock.patch.object(timer, '_sleep') as sleep:
            self.assertEqual('done', self.run_until_done(timer.start()))
        self.assertEqual([mock.call(7), mock.call(7)],
                         sleep.call_args_list)


class TestSleepSeams(base.TestCase):

    def test_abort_flag_wait_patch_controls_every_sleep(self):
        # What oslo_service.fixture.SleepFixture (and ironic, os-brick)
        # patch: every idle period, initial delay included, goes through
        # it. Native threads: the same holds for ThreadAbort.wait, which
        # our SleepFixture patches in that mode.
        if self.green:
            target = 'oslo_utils.eventletutils.EventletEvent.wait'
        else:
            target = ('oslo_loopingcall._backends.osthreads.backend.'
                      'ThreadAbort.wait')
        with mock.patch(target, autospec=True) as wait:
            f, runs = counting(3)
            done = loopingcall.FixedIntervalLoopingCall(f).start(
                interval=60, initial_delay=30)
            self.assertEqual('done', self.run_until_done(done))
        self.assertEqual([30, 60, 60],
                         [round(c.args[1]) for c in wait.call_args_list])

    def test_sleep_fixture_makes_long_sleeps_instant(self):
        fx = self.useFixture(fixture.SleepFixture())
        sleeps = []

        @loopingcall.RetryDecorator(max_retry_count=3, inc_sleep_time=10,
                                    max_sleep_time=60,
                                    exceptions=(KeyError,))
        def flaky():
            sleeps.append(1)
            if len(sleeps) < 4:
                raise KeyError()
            return 'ok'

        self.assertEqual('ok', flaky())
        self.assertEqual([mock.call(10), mock.call(20), mock.call(30)],
                         fx.mock_wait.call_args_list)

    def test_elapsed_patch_controls_the_run_time(self):
        with mock.patch.object(loopingcall.LoopingCallBase, '_sleep') as s, \
                mock.patch.object(loopingcall.LoopingCallBase, '_elapsed',
                                  side_effect=[0.99, 2.0, 1.01]):
            f, runs = counting(4)
            done = loopingcall.FixedIntervalLoopingCall(f).start(1.01)
            self.assertEqual('done', self.run_until_done(done))
        self.assertEqual(3, s.call_count)
        self.assertAlmostEqual(0.02, s.call_args_list[0].args[0], places=7)
        self.assertEqual([0, 0], [c.args[0] for c in s.call_args_list[1:]])

    def test_gauss_patch_controls_the_jitter(self):
        with mock.patch('random.SystemRandom.gauss', return_value=0.8), \
                mock.patch.object(loopingcall.LoopingCallBase,
                                  '_sleep') as sleep:
            outcomes = iter([False, False, True])

            def probe():
                ok = next(outcomes, None)
                if ok is None:
                    raise loopingcall.LoopingCallDone('up')
                return ok

            done = loopingcall.BackOffLoopingCall(probe).start()
            self.assertEqual('up', self.run_until_done(done))
        self.assertEqual([mock.call(1.6), mock.call(2.4000000000000004),
                          mock.call(0.8)], sleep.call_args_list)


class TestSeamFirstSeenPatched(base.TestCase):

    scenarios = base.BACKENDS[:1]

    def test_a_patch_is_never_taken_for_the_genuine_wait(self):
        # The eventlet mode may first be used while a test has the seam
        # patched (autospec copies its name): loops must take the seam path
        # then, and the fast path once the patch is gone.
        code = textwrap.dedent('''
            import json, warnings
            warnings.simplefilter('ignore')
            from unittest import mock
            with mock.patch('oslo_utils.eventletutils.EventletEvent.wait',
                            autospec=True):
                from oslo_loopingcall._backends.greenthreads import (
                    backend as _eventlet)
                patched = _eventlet.BACKEND.seam_wait
            print(json.dumps([patched is None,
                              _eventlet.BACKEND.seam_wait is not None]))
        ''')
        out = subprocess.run([sys.executable, '-c', code], timeout=30,
                             capture_output=True, text=True, check=True)
        self.assertEqual([True, True], json.loads(out.stdout))


class TestSubclassingApi(base.TestCase):
    """Out-of-tree subclasses written against oslo.service keep working."""

    def test_start_with_own_idle_policy_kind_and_message(self):
        seen = []

        class Custom(loopingcall.LoopingCallBase):
            _KIND = 'Custom looping call'
            _RUN_ONLY_ONE_MESSAGE = 'Only one custom call at a time'

            def start(self, interval, initial_delay=None,
                      stop_on_exception=True):
                def idle_for(result, elapsed):
                    seen.append(result)
                    return interval
                return self._start(idle_for, initial_delay=initial_delay,
                                   stop_on_exception=stop_on_exception)

        outcomes = iter([ValueError('boom'), 'a', 'stop'])

        def f():
            outcome = next(outcomes)
            if isinstance(outcome, Exception):
                raise outcome
            if outcome == 'stop':
                raise loopingcall.LoopingCallDone('end')
            return outcome

        timer = Custom(f)
        clock = self.useFixture(fixture.VirtualTimeFixture())
        # Paused, no idle period ends before the second start() was tried:
        # a native thread could otherwise finish the loop first.
        with clock.paused():
            done = timer.start(5, stop_on_exception=False)
            self.assertRaisesRegex(RuntimeError, 'Only one custom call',
                                   timer.start, 5)
        self.assertEqual('end', self.run_until_done(done))
        # A swallowed failure reaches a plain idle_for as result 0, as in
        # the reference.
        self.assertEqual([0, 'a'], seen)
        self.assertEqual([5, 5], clock.idle_times)
        self.assertIn("ERROR oslo.loopingcall.loopingcall Custom looping "
                      "call 'tests.test_seams.", self.log.output)

    def test_subclass_calling_super_start_positionally(self):
        class Periodic(loopingcall.FixedIntervalLoopingCall):
            def start(self, stop_on_exception=True):
                return super().start(0, 0, stop_on_exception)

        f, runs = counting(3)
        clock = self.useFixture(fixture.VirtualTimeFixture())
        self.assertEqual('done', self.run_until_done(Periodic(f).start()))
        self.assertEqual(3, len(runs))
        self.assertEqual([0, 0], clock.idle_times)

    def test_classes_can_be_patched_by_name(self):
        with mock.patch('oslo_loopingcall.loopingcall.'
                        'FixedIntervalLoopingCall') as cls:
            self.assertIs(cls, loopingcall.FixedIntervalLoopingCall)
        self.assertIsNot(cls, loopingcall.FixedIntervalLoopingCall)
