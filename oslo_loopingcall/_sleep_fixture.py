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

"""SleepFixture, apart from :mod:`.fixture` (which gives it to users).

:mod:`._adopt` hands this very class to ``oslo_service.fixture`` in place
of oslo.service's own, and :class:`~.fixture.AdoptFixture` is built on
:mod:`._adopt`: kept here, below both, the two need not import each other.
"""

from __future__ import annotations

from unittest import mock

import fixtures

from oslo_loopingcall import backend

__all__ = ['SleepFixture']


class SleepFixture(fixtures.Fixture):
    """A fixture for mocking the ``wait()`` within looping call events.

    This exists so test cases can exercise code that uses looping calls
    without actually incurring wall clock time for sleeping: every idle
    period of every looping call and
    :class:`~oslo_loopingcall.loopingcall.RetryDecorator` returns at
    once.

    In native-thread mode the same mock replaces the ``wait()`` of the
    loops' abort flags instead (``threading.Event`` itself is untouched).

    The mock for the ``wait()`` is accessible via the fixture's
    ``mock_wait`` attribute; each idle period (initial delays included) is
    one call, with the idle time as its argument.

    Example usage::

        from oslo_loopingcall import fixture

        class MyTest(...):
            def setUp(self):
                ...
                self.sleepfx = self.useFixture(fixture.SleepFixture())

            def test_this(self):
                thing_that_hits_a_loopingcall()
                self.assertEqual(5, self.sleepfx.mock_wait.call_count)
    """

    mock_wait: mock.MagicMock

    def _setUp(self) -> None:
        if backend.get_backend() == 'threading':
            target = ('oslo_loopingcall._backends.osthreads.backend.'
                      'ThreadAbort.wait')
        else:
            # The same patch as oslo_service.fixture.SleepFixture, so tests
            # written against either behave the same.
            target = 'oslo_utils.eventletutils.EventletEvent.wait'
        self.mock_wait = self.useFixture(fixtures.MockPatch(target)).mock


# Documented and shown where users import it from.
SleepFixture.__module__ = 'oslo_loopingcall.fixture'
