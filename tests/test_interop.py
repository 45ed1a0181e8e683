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

"""Looping-call exceptions across the boundary with oslo.service.

Adopted or not: oslo.service's LoopingCallDone ends our loops with its
value, ours ends theirs, and ``except`` clauses naming oslo.service's
classes catch ours.
"""

import sys

import testscenarios

from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import adopt_base
from tests import base

ADOPTED = [('standalone', {'adopt': False}), ('adopted', {'adopt': True})]


class InteropCase(adopt_base.TestCase):

    scenarios = testscenarios.multiply_scenarios(base.BACKENDS, ADOPTED)

    def setUp(self):
        super().setUp()
        if self.adopt:
            self.assertTrue(self.useFixture(fixture.AdoptFixture()).adopted)

    def calls(self, *outcomes):
        """A function returning/raising ``outcomes`` in turn.

        Once they are used up it ends the loop with 'exhausted', so that a
        loop that ignored an outcome fails the test instead of spinning.
        """
        remaining = list(outcomes)

        def f():
            if not remaining:
                raise loopingcall.LoopingCallDone('exhausted')
            outcome = remaining.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return f


class TestTheirDoneEndsOurLoops(InteropCase):

    def test_fixed(self):
        timer = loopingcall.FixedIntervalLoopingCall(
            self.calls(None, adopt_base.THEIRS.LoopingCallDone('v')))
        self.assertEqual('v', self.run_until_done(timer.start(0)))

    def test_fixed_with_timeout(self):
        timer = loopingcall.FixedIntervalWithTimeoutLoopingCall(
            self.calls(adopt_base.THEIRS.LoopingCallDone(None)))
        self.assertIsNone(self.run_until_done(timer.start(0, timeout=60)))

    def test_dynamic(self):
        timer = loopingcall.DynamicLoopingCall(
            self.calls(0, adopt_base.THEIRS.LoopingCallDone(False)))
        self.assertIs(False, self.run_until_done(timer.start()))

    def test_backoff(self):
        timer = loopingcall.BackOffLoopingCall(
            self.calls(adopt_base.THEIRS.LoopingCallDone(7)))
        self.assertEqual(7, self.run_until_done(timer.start()))

    def test_not_an_error_when_exceptions_are_swallowed(self):
        timer = loopingcall.FixedIntervalLoopingCall(
            self.calls(adopt_base.THEIRS.LoopingCallDone('v')))
        event = timer.start(0, stop_on_exception=False)
        self.assertEqual('v', self.run_until_done(event))
        self.assertEqual([], self.records())

    def test_retry_decorator(self):
        decorated = loopingcall.RetryDecorator(
            max_retry_count=2, inc_sleep_time=0, exceptions=(KeyError,))(
                self.calls(KeyError(), adopt_base.THEIRS.LoopingCallDone(3)))
        self.assertEqual(3, self.call_bounded(decorated))


class TestOurDoneEndsTheirLoops(InteropCase):

    def test_fixed(self):
        timer = self.their_loops.FixedIntervalLoopingCall(
            self.calls(None, loopingcall.LoopingCallDone('v')))
        self.assertEqual('v', self.call_bounded(timer.start(0).wait))

    def test_dynamic(self):
        timer = self.their_loops.DynamicLoopingCall(
            self.calls(0, loopingcall.LoopingCallDone(None)))
        self.assertIsNone(self.call_bounded(timer.start().wait))

    def test_retry_decorator(self):
        decorated = self.their_loops.RetryDecorator(
            max_retry_count=2, inc_sleep_time=0, exceptions=(KeyError,))(
                self.calls(KeyError(), loopingcall.LoopingCallDone(3)))
        self.assertEqual(3, self.call_bounded(decorated))


class TestTheirExceptClausesCatchOurs(InteropCase):

    def test_subclasses(self):
        self.assertTrue(issubclass(loopingcall.LoopingCallDone,
                                   adopt_base.THEIRS.LoopingCallDone))
        self.assertTrue(issubclass(loopingcall.LoopingCallTimeOut,
                                   adopt_base.THEIRS.LoopingCallTimeOut))
        self.assertFalse(issubclass(loopingcall.LoopingCallTimeOut,
                                    adopt_base.THEIRS.LoopingCallDone))

    def test_our_timeout(self):
        timer = loopingcall.BackOffLoopingCall(lambda: False)
        # The first failure would idle 2 s, past the 0.5 s budget.
        event = timer.start(starting_interval=1, timeout=0.5, jitter=None)
        try:
            self.run_until_done(event)
        except adopt_base.THEIRS.LoopingCallTimeOut as exc:
            self.assertIsInstance(exc, loopingcall.LoopingCallTimeOut)
        else:
            self.fail('no LoopingCallTimeOut')

    def test_name_in_oslo_service_loopingcall(self):
        # What a dependency catches: our class once adopted, theirs before.
        name = sys.modules['oslo_service.loopingcall'].LoopingCallTimeOut
        self.assertIs(self.adopt, name is loopingcall.LoopingCallTimeOut)
        timer = loopingcall.BackOffLoopingCall(lambda: False)
        event = timer.start(starting_interval=1, timeout=0.5, jitter=None)
        self.assertRaises(name, self.run_until_done, event)

    def test_their_loops_raise_our_timeout_once_adopted(self):
        # Their BackOff: a jitter of 10 makes the first idle ~20 s > 0.5 s.
        timer = self.their_loops.BackOffLoopingCall(lambda: False)
        event = timer.start(starting_interval=1, timeout=0.5, jitter=10)
        try:
            self.call_bounded(event.wait)
        except adopt_base.THEIRS.LoopingCallTimeOut as exc:
            self.assertIs(self.adopt,
                          isinstance(exc, loopingcall.LoopingCallTimeOut))
        else:
            self.fail('no LoopingCallTimeOut')
