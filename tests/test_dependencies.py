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

"""What this library relies on in its dependencies, beyond their public API.

Each test names one internal, the module of ours that uses it, and why;
when a new release of a dependency changes it, the test fails here, with
that explanation, before anything subtler fails elsewhere.
"""

import importlib
import inspect
import json
import subprocess
import sys
import textwrap
import time
import unittest

from eventlet import event
from eventlet import greenthread
from eventlet import hubs
from oslo_utils import eventletutils
import testtools

from tests import base


class TestEventletInternals(testtools.TestCase):
    """The eventlet backend's _LoopThread and the hub calls we make."""

    def test_greenthread_exit_event_and_links(self):
        # _LoopThread replaces the exit event by the loop's done event and
        # resolves links itself, so that a loop costs one event, not two.
        thread = greenthread.GreenThread(hubs.get_hub().greenlet)
        self.assertIsInstance(thread._exit_event, event.Event)
        self.assertTrue(callable(thread._resolve_links))
        self.assertEqual(['self', 'function', 'args', 'kwargs'],
                         list(inspect.signature(
                             greenthread.GreenThread.main).parameters))

    def test_kill_before_the_first_run_calls_main(self):
        # How a loop killed before it ran still resolves its done event.
        calls = []

        class Thread(greenthread.GreenThread):
            def main(self, function, args, kwargs):
                calls.append(function)
                try:
                    function(*args, **kwargs)
                except BaseException as exc:
                    calls.append(type(exc))

        hub = hubs.get_hub()
        thread = Thread(hub.greenlet)
        hub.schedule_call_global(0, thread.switch, lambda: None, (), {})
        thread.kill()
        self.assertEqual(2, len(calls))
        self.assertIs(greenthread.greenlet.GreenletExit, calls[1])

    def test_hub_calls(self):
        # _eventlet idles on hub timers, _waker listens to a pipe.
        hub = hubs.get_hub()
        for name in ('schedule_call_global', 'switch', 'add', 'remove',
                     'greenlet', 'READ'):
            self.assertTrue(hasattr(hub, name), name)
        timer = hub.schedule_call_global(3600, lambda: None)
        timer.cancel()
        self.assertTrue(timer.called)

    def test_a_threads_hub_is_found_without_making_one(self):
        # _eventlet._own_hub() tells whether this OS thread has a hub:
        # hubs.get_hub() would make one.
        hub = hubs.get_hub()
        self.assertIs(hub, hubs._threadlocal.hub)

    def test_original_os_is_not_green_under_monkey_patching(self):
        # _waker reads and writes its pipe inside the hub with the os
        # functions monkey patching leaves alone.
        code = textwrap.dedent('''
            import json, warnings
            warnings.simplefilter('ignore')
            import eventlet
            eventlet.monkey_patch()
            import os, posix
            from eventlet import patcher
            original = patcher.original('os')
            print(json.dumps([original.read is posix.read,
                              os.read is posix.read]))
        ''')
        out = subprocess.run([sys.executable, '-c', code], timeout=30,
                             capture_output=True, text=True, check=True)
        self.assertEqual([True, False], json.loads(out.stdout))

    def test_monotonic_hub_clock(self):
        # Schedules are kept on time.monotonic, the hub's clock (P48).
        self.assertIs(time.monotonic, hubs.get_hub().clock)


class TestOsloUtilsSeam(testtools.TestCase):
    """The eventlet backend's EventletBackend.seam_wait."""

    def test_eventlet_event_wait_is_recognisable(self):
        # The unpatched seam is told from a patch by where it comes from.
        wait = eventletutils.EventletEvent.wait
        self.assertEqual(eventletutils.__file__, wait.__code__.co_filename)
        self.assertEqual('EventletEvent.wait', wait.__qualname__)


@unittest.skipIf(base.REFERENCE is None, 'oslo.service is not installed')
class TestOsloServiceInternals(testtools.TestCase):
    """oslo_loopingcall._exceptions, _adopt and backend."""

    def test_public_backend_choice(self):
        # backend follows oslo.service's choice through its public call.
        module = importlib.import_module('oslo_service.backend')
        self.assertTrue(callable(module.get_backend_type))

    def test_exceptions_module(self):
        # _exceptions derives our exceptions from these.
        module = importlib.import_module(
            'oslo_service.backend._common.loopingcall')
        self.assertTrue(issubclass(module.LoopingCallDone, Exception))
        self.assertTrue(issubclass(module.LoopingCallTimeOut, Exception))

    def test_what_adopt_changes(self):
        # _adopt rebinds these names; a release that moves them is not one
        # adopt() supports (see _adopt.SUPPORTED).
        backend = importlib.import_module('oslo_service.backend')
        self.assertTrue(hasattr(backend, '_cached_components'))
        self.assertTrue(hasattr(backend, '_cached_backend_type'))
        for kind in ('eventlet', 'threading'):
            name = f'oslo_service.backend._{kind}.loopingcall'
            if kind == 'threading':
                try:
                    importlib.import_module(name)
                except ImportError as exc:
                    self.skipTest(f'{name}: {exc}')
            module = importlib.import_module(name)
            for cls in ('FixedIntervalLoopingCall', 'DynamicLoopingCall',
                        'LoopingCallTimeOut'):
                self.assertTrue(hasattr(module, cls), f'{name}.{cls}')
