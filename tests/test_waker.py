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

"""The wake-up pipe of a hub, written from other OS threads.

The races are made deterministic: the write itself is replaced by one
that does, mid-write, what another thread could do at that moment.
"""

import os
from unittest import mock

import fixtures
import testtools

from oslo_loopingcall._backends.greenthreads import waker as _waker
from tests import base


def is_open(fd):
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


class TestWaker(testtools.TestCase):

    def setUp(self):
        super().setUp()
        # A regression may deadlock on the waker's lock: fail instead.
        self.useFixture(fixtures.Timeout(base.TEST_TIMEOUT, gentle=True))
        # A stand-in hub: a real one would keep polling the descriptors
        # these tests close.
        self.hub = mock.Mock(READ='read')
        self.waker = _waker.Waker(self.hub)
        self.addCleanup(self.waker.close)
        self.fds = (self.waker._read, self.waker._write)
        self.seen = []

    def write_doing(self, during):
        real_write = _waker._os.write

        def write(fd, data):
            self.seen.append(during())
            return real_write(fd, data)

        return mock.patch.object(_waker._os, 'write', write)

    def test_listens_on_its_pipe_and_runs_queued_calls(self):
        self.hub.add.assert_called_once_with(
            'read', self.fds[0], self.waker._drain, mock.ANY, None)
        ran = []
        self.waker.call(lambda: ran.append(1))
        self.waker.call(lambda: ran.append(2))
        self.waker._drain(self.fds[0])
        self.assertEqual([1, 2], ran)
        self.waker._drain(self.fds[0])   # an empty pipe is no error
        self.assertEqual([1, 2], ran)

    def test_no_lock_is_held_across_the_write(self):
        # Held across the system call, it made stop() calls from other
        # OS threads queue up behind each other and the GIL (a convoy).
        with self.write_doing(lambda: self.waker._lock.locked()):
            self.waker.call(lambda: None)
        self.assertEqual([False], self.seen)

    def test_a_close_during_a_write_waits_for_its_end(self):
        # A descriptor closed under a write may be reused by anything,
        # which the write would then corrupt.
        def close_meanwhile():
            self.waker.close()
            return [is_open(fd) for fd in self.fds]

        with self.write_doing(close_meanwhile):
            self.waker.call(lambda: None)
        self.assertEqual([[True, True]], self.seen)
        self.assertTrue(self.waker.closed)
        self.assertEqual([False, False], [is_open(fd) for fd in self.fds])

    def test_no_write_once_closed(self):
        self.waker.close()
        self.assertEqual([False, False], [is_open(fd) for fd in self.fds])
        with self.write_doing(lambda: 'written'):
            self.waker.call(lambda: None)
            self.waker.close()   # and closing twice is harmless
        self.assertEqual([], self.seen)

    def test_a_full_pipe_is_a_pending_wake_up(self):
        while True:
            try:
                os.write(self.fds[1], b'x' * 65536)
            except BlockingIOError:
                break
        ran = []
        self.waker.call(lambda: ran.append(1))
        self.waker._drain(self.fds[0])
        self.assertEqual([1], ran)
