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

"""Defects fixed: every waiter gets the outcome (D02, D07, D15).
"""

from unittest import mock

import eventlet
import greenlet

from oslo_loopingcall import fixture
from tests.defects.base import Boom
from tests.defects.base import DefectTestCase
from tests.defects.base import LC
from tests.defects.base import LONG_IDLE
from tests.defects.base import VALID_START


class TestD02KilledLoop(DefectTestCase):
    """D02 is about killing a greenthread: eventlet mode only."""

    def setUp(self):
        super().setUp()
        self.eventlet_only('a native thread cannot be killed')

    def _check_ended_by_kill(self, timer, f, event, kwargs):
        # The kill resolves ``done`` before it returns: no waiter can hang.
        self.assertTrue(event.ready())
        self.assertIsNone(timer._thread)
        self.assertRaises(greenlet.GreenletExit, self.run_until_done, event)
        self.assertRaises(greenlet.GreenletExit, self.run_until_done,
                          timer.done)
        # The object can be started again.
        f.side_effect = LC.LoopingCallDone('again')
        event2 = timer.start(**kwargs)
        self.assertIsNot(event, event2)
        self.assertEqual('again', self.run_until_done(event2))
        self.assertIsNone(timer._thread)

    def test_d02_kill_while_sleeping_resolves_done(self):
        for cls, kwargs in LONG_IDLE:
            f = mock.Mock(return_value=None)
            timer = cls(f)
            event = timer.start(**kwargs)
            eventlet.sleep(0)
            self.assertEqual(1, f.call_count, cls.__name__)
            timer._thread.kill()
            self._check_ended_by_kill(timer, f, event, kwargs)

    def test_d02_kill_during_initial_delay_resolves_done(self):
        for cls, kwargs in LONG_IDLE:
            f = mock.Mock(return_value=None)
            timer = cls(f)
            event = timer.start(initial_delay=10, **kwargs)
            eventlet.sleep(0)
            timer._thread.kill()
            self.assertEqual(0, f.call_count, cls.__name__)
            self._check_ended_by_kill(timer, f, event, kwargs)

    def test_d02_kill_before_first_run_resolves_done(self):
        for cls, kwargs in LONG_IDLE:
            f = mock.Mock(return_value=None)
            timer = cls(f)
            event = timer.start(**kwargs)
            timer._thread.kill()
            self._check_ended_by_kill(timer, f, event, kwargs)
            # Only the restarted loop ran f.
            self.assertEqual(1, f.call_count, cls.__name__)

    def test_d02_reference_never_resolves_done(self):
        ref = self.reference()
        timer = ref.FixedIntervalLoopingCall(mock.Mock(return_value=None))
        event = timer.start(interval=10)
        eventlet.sleep(0)
        timer._thread.kill()
        eventlet.sleep(0)
        # Its link callback forgot the thread, but nothing will ever send
        # the event: a wait() would block forever (not attempted here).
        self.assertIsNone(timer._thread)
        self.assertFalse(event.ready())


class TestD07BaseExceptionFromF(DefectTestCase):

    def test_d07_uncaught_eventlet_timeout_in_f(self):
        # The other D07 tests cover any BaseException in both modes.
        self.eventlet_only('an eventlet.Timeout fires in a greenthread')
        timeouts = []

        def f():
            # I/O under ``with eventlet.Timeout(n)`` that nobody caught.
            with eventlet.Timeout(0.001) as timeout:
                timeouts.append(timeout)
                eventlet.sleep(1)

        timer = LC.FixedIntervalLoopingCall(f)
        event = timer.start(interval=0.01, stop_on_exception=False)
        raised = self.assertRaises(eventlet.Timeout, self.run_until_done,
                                   event)
        self.assertEqual(1, len(timeouts))
        self.assertIs(timeouts[0], raised)
        raised = self.assertRaises(eventlet.Timeout, timer.wait)
        self.assertIs(timeouts[0], raised)
        self.assertIsNone(timer._thread)

    def _kinds(self):
        return [eventlet.Timeout(None), greenlet.GreenletExit('bye'),
                Boom('boom')]

    def test_d07_wait_raises_the_same_instance(self):
        for stop_on_exception in (True, False):
            for exc in self._kinds():
                f = mock.Mock(side_effect=exc)
                timer = LC.FixedIntervalLoopingCall(f)
                event = timer.start(interval=0.01,
                                    stop_on_exception=stop_on_exception)
                raised = self.assertRaises(type(exc), self.run_until_done,
                                           event)
                self.assertIs(exc, raised)
                # A second wait() raises it again instead of hanging.
                raised = self.assertRaises(type(exc), timer.wait)
                self.assertIs(exc, raised)
                self.assertIsNone(timer._thread)
                self.assertEqual(1, f.call_count)
                # And the loop can be started again.
                f.side_effect = LC.LoopingCallDone('again')
                self.assertEqual('again', self.run_until_done(
                    timer.start(interval=0.01)))

    def test_d07_every_looping_call_delivers_base_exceptions(self):
        for cls, kwargs in VALID_START:
            exc = Boom(cls.__name__)
            timer = cls(mock.Mock(side_effect=exc))
            raised = self.assertRaises(Boom, self.run_until_done,
                                       timer.start(**kwargs))
            self.assertIs(exc, raised)

    def test_d07_system_exits_reach_done_too(self):
        for kind in (KeyboardInterrupt, SystemExit):
            exc = kind('stop')
            f = mock.Mock(side_effect=exc)
            timer = LC.FixedIntervalLoopingCall(f)
            event = timer.start(interval=0.01)
            # As for any greenthread, the hub may hand the exception on
            # to the main greenlet (here, into the wait).
            try:
                self.run_until_done(event)
            except kind as raised:
                self.assertIs(exc, raised)
            # What is documented: ``done`` holds the very same instance.
            self.assertTrue(event.ready())
            raised = self.assertRaises(kind, timer.wait)
            self.assertIs(exc, raised)
            raised = self.assertRaises(kind, event.wait)
            self.assertIs(exc, raised)
            self.assertIsNone(timer._thread)
            f.side_effect = LC.LoopingCallDone('again')
            self.assertEqual('again', self.run_until_done(
                timer.start(interval=0.01)))


class TestD15WaitFromInsideF(DefectTestCase):

    def test_d15_wait_inside_f_raises_and_loop_goes_on(self):
        self.useFixture(fixture.VirtualTimeFixture())
        for cls, kwargs in VALID_START:
            errors = []
            calls = []

            def f():
                calls.append(None)
                if len(calls) == 1:
                    try:
                        timer.wait()
                    except RuntimeError as exc:
                        errors.append(exc)
                    return None
                raise LC.LoopingCallDone('fine')

            timer = cls(f)
            self.assertEqual('fine', self.run_until_done(
                timer.start(**kwargs)), cls.__name__)
            self.assertEqual(1, len(errors), cls.__name__)
            self.assertIn('wait()', str(errors[0]))
            self.assertEqual(2, len(calls))
