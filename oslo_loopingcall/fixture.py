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

"""Test fixtures for code that uses looping calls."""

from __future__ import annotations

from unittest import mock

import fixtures

__all__ = ['SleepFixture']


class SleepFixture(fixtures.Fixture):
    """A fixture for mocking the ``wait()`` within looping call events.

    This exists so test cases can exercise code that uses looping calls
    without actually incurring wall clock time for sleeping: every idle
    period of every looping call and :class:`RetryDecorator` returns at
    once.

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
        # The same patch as oslo_service.fixture.SleepFixture, so tests
        # written against either behave the same.
        self.mock_wait = self.useFixture(fixtures.MockPatch(
            'oslo_utils.eventletutils.EventletEvent.wait')).mock
