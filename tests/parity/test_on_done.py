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

"""Parity: _on_done, called once when a loop ends (D24).

Both of oslo.service's backends call it: the eventlet one through
``GreenThread.link`` (with the greenthread), the threading one through
``Future.add_done_callback`` (with the future). A subclass that overrides
it, to clean up or to count, is called here as there.
"""

import eventlet
from eventlet import greenthread

from oslo_loopingcall import loopingcall
from tests import base
from tests.parity.base import LOOPS
from tests.parity.base import ParityTestCase


def _ends(how, done):
    """An ``f`` that ends its loop ``how``: 'done', 'raise' or 'stop'."""
    def f(timer):
        if how == 'done':
            raise done
        if how == 'raise':
            raise ValueError('ended by f')
        timer.stop()
    return f


class TestOnDone(ParityTestCase):

    def counting(self, name):
        """A subclass of loop ``name`` recording each _on_done call.

        Each call is recorded with whether the done event had fired by
        then (eventlet: its ``ready()``; the threading backend's done
        event has none, and its future tells instead: check_outcome()).
        """
        calls = []
        green = self.green

        class Counting(self.loop_class(name)):
            def _on_done(self, *args, **kwargs):
                calls.append((args, self.done.ready() if green else True))
                super()._on_done(*args, **kwargs)
        return Counting, calls

    def check_outcome(self, what, outcome):
        """The argument of _on_done: the greenthread, or a done future.

        With native threads its ``result()`` is the loop's outcome; a
        greenthread's own result is the reference's business (its loop
        function returns None).
        """
        if self.green:
            self.assertIsInstance(what, greenthread.GreenThread)
        elif isinstance(outcome, BaseException):
            self.assertRaises(type(outcome), what.result)
        else:
            self.assertEqual(outcome, what.result())

    def test_d24_called_once_per_end_of_every_kind(self):
        """D24: once per end, whatever ended it, with the outcome known."""
        for name, _kind, kwargs, _keep in LOOPS:
            cls, calls = self.counting(name)
            for ends, how in enumerate(('done', 'stop', 'done'), 1):
                timer = cls(_ends(how, self.done('x')))
                timer.args = (timer,)
                outcome = self.run_until_done(timer.start(**kwargs))
                self.wait_for(lambda: len(calls) == ends,
                              what=f'{name} {how}: _on_done called')
                args, decided = calls[-1]
                self.assertEqual((1, True), (len(args), decided), name)
                self.check_outcome(args[0], outcome)
            self.assertEqual(3, len(calls), name)

    def test_d24_called_when_f_raises(self):
        """D24: a loop ended by an exception from f calls it too."""
        for name, _kind, kwargs, _keep in LOOPS:
            cls, calls = self.counting(name)
            timer = cls(_ends('raise', None))
            timer.args = (timer,)
            done = timer.start(**kwargs)
            error = self.assertRaises(ValueError, self.run_until_done, done)
            self.wait_for(lambda: len(calls) == 1,
                          what=f'{name}: _on_done called')
            self.assertTrue(calls[0][1], name)
            self.check_outcome(calls[0][0][0], error)

    def test_d24_a_killed_loop_calls_it(self):
        """D24: eventlet mode, killed before its first run: called once."""
        if not self.green:
            self.skipTest('only greenthreads can be killed')
        cls, calls = self.counting('FixedIntervalLoopingCall')
        timer = cls(lambda: None)
        done = timer.start(interval=30)
        timer._thread.kill()
        eventlet.sleep(0)
        self.assertEqual(1, len(calls))
        if not self.reference:
            # The reference's done event never fires after a kill (D02).
            self.assertTrue(calls[0][1])
            self.assertRaises(greenthread.greenlet.GreenletExit,
                              self.run_until_done, done)


class TestFreeWhenNotOverridden(base.TestCase):

    def test_d24_only_an_override_is_called(self):
        """D24: a loop whose class keeps the base _on_done calls nothing."""
        class Override(loopingcall.FixedIntervalLoopingCall):
            def _on_done(self, *args):
                pass

        for cls in (loopingcall.FixedIntervalLoopingCall, Override):
            timer = cls(lambda: None)
            timer.start(interval=30)
            try:
                on_done = timer._handle.on_done
            finally:
                timer.stop()
                self.run_until_done(timer.done)
            if cls is Override:
                self.assertEqual(timer._on_done, on_done)
            else:
                self.assertIsNone(on_done)
