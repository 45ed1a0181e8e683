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

"""OS threads: modes, cross-thread stop/wait (D13, D14), no leaks (D05)."""

import gc
import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc

from oslo_loopingcall import backend
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from tests import base


def in_thread(fn):
    """Run ``fn`` in a new OS thread; return (thread, outcome dict)."""
    outcome = {}

    def run():
        try:
            outcome['result'] = fn()
        except BaseException as exc:  # noqa: B902 - reported to the test
            outcome['error'] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


class TestOtherOsThreads(base.TestCase):
    """stop() and wait() work from any OS thread, in both modes."""

    def test_d13_stop_from_another_thread_wakes_the_loop_at_once(self):
        runs = []
        timer = loopingcall.FixedIntervalLoopingCall(runs.append, 1)
        done = timer.start(interval=30)
        # Let it run once and go to sleep for 30 s.
        self.wait_for(lambda: runs, what='first run')
        self.yield_()
        thread, outcome = in_thread(timer.stop)
        thread.join(15)
        self.assertEqual({'result': None}, outcome)
        started = time.monotonic()
        # The loop sleeps 30 s: only a prompt wake-up ends it within 15.
        self.assertIs(True, self.run_until_done(done, timeout=15))
        self.assertLess(time.monotonic() - started, 15)
        self.assertIsNone(timer._thread)
        self.assertEqual([1], runs)

    def test_d14_wait_from_other_threads_gets_the_result(self):
        error = ValueError('boom')
        runs = []

        def f():
            runs.append(1)
            if len(runs) == 3:
                raise error

        timer = loopingcall.FixedIntervalLoopingCall(f)
        done = timer.start(interval=0.001)
        waiters = [in_thread(timer.wait) for _ in range(3)]
        self.assertRaises(ValueError, self.run_until_done, done)
        for thread, outcome in waiters:
            thread.join(5)
            self.assertFalse(thread.is_alive(), 'a waiter hangs')
            # The very instance, in every thread.
            self.assertIs(error, outcome.get('error'))

    def test_d14_wait_from_another_thread_after_the_end(self):
        timer = loopingcall.FixedIntervalLoopingCall(
            lambda: (_ for _ in ()).throw(loopingcall.LoopingCallDone(7)))
        self.assertEqual(7, self.run_until_done(timer.start(interval=1)))
        thread, outcome = in_thread(timer.wait)
        thread.join(5)
        self.assertEqual({'result': 7}, outcome)


class TestNativeThreads(base.TestCase):
    """Native-thread mode: a thread per running loop, gone when it ends."""

    def setUp(self):
        super().setUp()
        if self.green:
            self.skipTest('native-thread mode only: OS threads per loop')

    def test_d05_start_stop_wait_cycles_leave_no_threads_or_memory(self):
        def d05_probe():
            pass

        def probes():
            # Only this test's loop threads: other tests' are not ours to
            # count.
            return [t for t in threading.enumerate()
                    if t.name.endswith('d05_probe')]

        timer = loopingcall.FixedIntervalLoopingCall(d05_probe)

        def cycles(n):
            for _ in range(n):
                timer.start(interval=60)
                timer.stop()
                self.assertIs(True, timer.wait())

        # Per-iteration TRACE records would pile up in the captured log.
        logger = logging.getLogger('oslo.loopingcall.loopingcall')
        self.addCleanup(logger.setLevel, logger.level)
        logger.setLevel(logging.WARNING)
        cycles(50)  # warm up caches and the thread machinery
        self.wait_for(lambda: not probes(), what='warm-up threads gone')
        gc.collect()
        tracemalloc.start()
        try:
            base_mem = tracemalloc.get_traced_memory()[0]
            cycles(200)
            self.wait_for(lambda: not probes(), what='loop threads gone')
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - base_mem
        finally:
            tracemalloc.stop()
        # A leaked thread or done object per cycle would be >= 1 KB each,
        # 200 KB in all. 200 cycles, not more: each one starts and joins
        # an OS thread, which takes many scheduler turns on a loaded
        # machine.
        self.assertLess(grown, 64 * 1024)

    def test_a_finished_loops_thread_is_gone(self):
        timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
        timer.start(interval=60)
        thread = timer._thread
        self.assertIsInstance(thread, threading.Thread)
        self.assertTrue(thread.daemon)
        timer.stop()
        self.assertIs(True, timer.wait())
        thread.join(5)
        self.assertFalse(thread.is_alive())
        self.assertIsNone(timer._thread)

    def test_f_runs_in_the_loop_thread_retry_in_the_callers(self):
        seen = {}

        def f():
            seen['loop'] = threading.current_thread()
            raise loopingcall.LoopingCallDone()

        self.run_until_done(
            loopingcall.FixedIntervalLoopingCall(f).start(interval=1))
        self.assertIsNot(threading.current_thread(), seen['loop'])

        local = threading.local()
        local.request_id = 'req-1'

        @loopingcall.RetryDecorator(max_retry_count=1, inc_sleep_time=0,
                                    exceptions=(KeyError,))
        def call():
            seen.setdefault('retry', []).append(
                (threading.current_thread(), local.request_id))
            if len(seen['retry']) == 1:
                raise KeyError()
            return 'ok'

        self.assertEqual('ok', call())
        self.assertEqual([(threading.current_thread(), 'req-1')] * 2,
                         seen['retry'])

    def test_kwargs_is_kw(self):
        # oslo.service's threading backend names the attribute kwargs.
        seen = []
        timer = loopingcall.FixedIntervalLoopingCall(
            lambda **kw: seen.append(kw) or (_ for _ in ()).throw(
                loopingcall.LoopingCallDone()), a=1)
        self.assertIs(timer.kw, timer.kwargs)
        timer.kwargs = {'b': 2}
        self.run_until_done(timer.start(interval=1))
        self.assertEqual([{'b': 2}], seen)

    def test_done_object_contract(self):
        error = KeyError('k')
        timer = loopingcall.FixedIntervalLoopingCall(
            lambda: (_ for _ in ()).throw(error))
        done = timer.start(interval=1)
        self.assertIs(done, timer.done)
        self.assertRaises(KeyError, self.run_until_done, done)
        self.assertTrue(done.ready())
        for _ in range(2):
            try:
                done.wait()
            except KeyError as exc:
                self.assertIs(error, exc)
            else:
                self.fail('wait() did not raise')

    def test_stopping_many_loops_is_prompt(self):
        timers = [loopingcall.FixedIntervalLoopingCall(lambda: None)
                  for _ in range(200)]
        for timer in timers:
            timer.start(interval=3600)
        started = time.monotonic()
        for timer in timers:
            timer.stop()
        # Loops that slept their interval would take an hour; 30 s leaves
        # room for an overbooked machine.
        for timer in timers:
            self.assertIs(True, timer.done.wait(30))
        self.assertLess(time.monotonic() - started, 30)


def run_python(code, env=None):
    """Run ``code`` in a fresh interpreter; return its JSON output."""
    import os
    environ = dict(os.environ)
    environ.pop(backend.ENV_VAR, None)
    environ.update(env or {})
    out = subprocess.run(
        [sys.executable, '-c', textwrap.dedent(code)], env=environ,
        capture_output=True, text=True, timeout=60)
    return out


class TestSelection(base.TestCase):
    """Choosing the mode: environment, API, oslo.service's choice."""

    scenarios = base.BACKENDS[:1]

    def test_environment_variable(self):
        out = run_python('''
            import json, sys, warnings
            warnings.simplefilter('ignore')
            # Older oslo.log releases import eventlet themselves: only
            # what this library adds counts.
            import oslo_log.log
            already = 'eventlet' in sys.modules
            from oslo_loopingcall import backend, loopingcall
            t = loopingcall.FixedIntervalLoopingCall(lambda: None)
            t.start(60); t.stop(); t.wait()
            print(json.dumps([backend.get_backend(),
                              type(t._thread).__name__,
                              'oslo_loopingcall._backends.greenthreads'
                              in sys.modules,
                              'eventlet' in sys.modules and not already]))
        ''', env={backend.ENV_VAR: 'threading'})
        self.assertEqual(0, out.returncode, out.stderr)
        # A service leaving eventlet: the library does not import it.
        self.assertEqual(['threading', 'NoneType', False, False],
                         json.loads(out.stdout))

    def test_unknown_environment_value_is_a_clear_error(self):
        out = run_python('import oslo_loopingcall',
                         env={backend.ENV_VAR: 'asyncio'})
        self.assertNotEqual(0, out.returncode)
        self.assertIn("OSLO_LOOPINGCALL_BACKEND must be one of eventlet, "
                      "threading, got 'asyncio'", out.stderr)

    def test_set_backend_before_use_and_not_after(self):
        out = run_python('''
            import json, warnings
            warnings.simplefilter('ignore')
            from oslo_loopingcall import backend, loopingcall
            backend.set_backend('threading')
            backend.set_backend('threading')
            t = loopingcall.FixedIntervalLoopingCall(lambda: None)
            t.start(60); t.stop(); t.wait()
            try:
                backend.set_backend('eventlet')
            except RuntimeError as exc:
                error = str(exc)
            backend.set_backend('threading')
            print(json.dumps([backend.get_backend(), error]))
        ''')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(
            ['threading', "looping calls already run on the 'threading' "
             "backend: choose 'eventlet' before the first looping call "
             "starts"], json.loads(out.stdout))

    def test_bad_name(self):
        self.assertRaisesRegex(ValueError, "backend must be one of "
                               "eventlet, threading, got 'green'",
                               backend.set_backend, 'green')
        self.assertRaises(ValueError, fixture.BackendFixture, 'green')

    def test_follows_oslo_service_threading_backend(self):
        if base.REFERENCE is None:
            self.skipTest('oslo.service is not installed')
        # What oslo.service's init_backend(THREADING) records (the real call
        # also loads its threading backend, which needs futurist and
        # cotyledon: not ours to install).
        out = run_python('''
            import json, warnings
            warnings.simplefilter('ignore')
            from oslo_service import backend as service_backend
            service_backend._cached_backend_type = (
                service_backend.BackendType.THREADING)
            from oslo_loopingcall import backend
            print(json.dumps(backend.get_backend()))
        ''')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual('threading', json.loads(out.stdout))

    def test_follows_oslo_service_chosen_after_a_loop_was_created(self):
        if base.REFERENCE is None:
            self.skipTest('oslo.service is not installed')
        out = run_python('''
            import json, warnings
            warnings.simplefilter('ignore')
            from oslo_loopingcall import backend, loopingcall
            timer = loopingcall.FixedIntervalLoopingCall(lambda: None)
            from oslo_service import backend as service_backend
            service_backend._cached_backend_type = (
                service_backend.BackendType.THREADING)
            timer.start(60); timer.stop(); timer.wait()
            print(json.dumps([backend.get_backend(),
                              type(timer.done).__name__]))
        ''')
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(['threading', 'ThreadDone'], json.loads(out.stdout))

    def test_default_is_eventlet(self):
        out = run_python('''
            import json, warnings
            warnings.simplefilter('ignore')
            from oslo_loopingcall import backend
            print(json.dumps(backend.get_backend()))
        ''')
        self.assertEqual('eventlet', json.loads(out.stdout))
