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

"""The fixtures put back exactly the mode state they found.

``set_backend()`` refuses the other mode once looping calls have run
(threading page, "Choosing the mode"): a fixture that forgot that loops
had run would let a later test, or the rest of a program, switch modes
under running loops. Each test runs under the BackendFixture of
:class:`tests.base.TestCase`, which starts it from a known state.
"""

from oslo_loopingcall._backends import mode
from oslo_loopingcall import backend
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


def _state():
    """What decides the backend of the next loop, by identity."""
    return (mode._chosen, mode._backend, mode._in_use, mode._override)


def _run_a_loop():
    """Start a loop that ends on its first run, and wait for it."""
    def done():
        raise loopingcall.LoopingCallDone('ran')
    timer = loopingcall.FixedIntervalLoopingCall(done)
    return timer.start(interval=60).wait()


class TestBackendFixture(base.TestCase):

    @property
    def other(self):
        return 'threading' if self.green else 'eventlet'

    def test_cleanup_keeps_the_refusal_of_the_other_mode(self):
        """Threading page: after loops ran, the other mode stays refused."""
        self.assertEqual('ran', _run_a_loop())
        refused = f'looping calls already run on the {self.backend_name!r}'
        self.assertRaisesRegex(RuntimeError, refused, backend.set_backend,
                               self.other)
        before = _state()
        with fixture.BackendFixture(self.other):
            self.assertEqual(self.other, backend.get_backend())
            self.assertEqual('ran', _run_a_loop())
        self.assertRaisesRegex(RuntimeError, refused, backend.set_backend,
                               self.other)
        self.assertEqual(before, _state())

    def test_virtual_time_is_out_of_the_way_until_cleanup(self):
        """Loops under it run in its mode, not on a clock set up before."""
        clock = self.useFixture(fixture.VirtualTimeFixture())
        virtual = mode._override
        with fixture.BackendFixture(self.other):
            self.assertIsNone(mode._override)
            timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
            timer.start(interval=60)
            try:
                self.assertEqual(self.other, timer._backend.name)
                self.assertIsNot(virtual, timer._backend)
            finally:
                timer.stop()
                timer.wait()
        self.assertIs(virtual, mode._override)
        self.assertEqual([], clock.idle_times)


class TestVirtualTimeFixture(base.TestCase):

    def test_its_loops_settle_no_mode(self):
        """Threading page: virtual loops leave the mode as they found it.

        They end with the fixture, so they must not make ``set_backend()``
        refuse a mode afterwards.
        """
        before = _state()
        with fixture.VirtualTimeFixture():
            self.assertEqual('ran', _run_a_loop())
        self.assertEqual(before, _state())
        other = 'threading' if self.green else 'eventlet'
        backend.set_backend(other)
        self.assertEqual(other, backend.get_backend())
