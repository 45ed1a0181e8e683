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

"""The shared harness of the benchmarks, the stress suite and tests/envs.

What its users rely on: a child killed at its deadline, result lines
found, checks kept as JSON, leaks told from what eventlet keeps, and a
forked child that reports, or is reported hung, in bounded time. The
forking cases run in a child process of their own.
"""

import json
import os
import sys
import textwrap
import threading

import testtools

from harness import modes
from harness import probes
from harness import procs
from harness import report
from harness import stretch

#: Runs in a child: a forked grandchild that returns, one that yields a
#: pair then hangs, one that hangs at once, one that raises.
FORKS = textwrap.dedent('''
    import json, time
    from harness import forking

    def returns():
        return {'answer': 42}

    def hangs_after_one():
        yield 'first', 'step'
        time.sleep(60)

    def hangs():
        time.sleep(60)

    def raises():
        raise ValueError('no')

    print(json.dumps({fn.__name__: forking.in_forked_child(
        fn, alarm_after=30, seconds=0.3, sleep=time.sleep, poll=0.01)
        for fn in (returns, hangs_after_one, hangs, raises)}))
''')


def python(code):
    return [sys.executable, '-c', code]


class TestChildProcesses(testtools.TestCase):

    def test_a_child_is_killed_at_its_deadline(self):
        with procs.Child(python('import time; time.sleep(60)')) as child:
            outcome = child.communicate(0.2)
        self.assertTrue(outcome.timed_out)
        self.assertNotEqual(0, outcome.returncode)

    def test_lines_end_when_the_deadline_passes(self):
        code = 'import time; print("one", flush=True); time.sleep(60)'
        with procs.Child(python(code), session=True) as child:
            lines = []
            for line in child.lines():
                lines.append(line)
                child.deadline = child.started  # already passed
            outcome = child.wait()
        self.assertEqual(['one\n'], lines)
        self.assertTrue(outcome.timed_out)

    def test_the_result_line_and_the_stderr_tail(self):
        code = ('import sys; print("noise"); print("R {\\"a\\": 1}"); '
                'print("after"); sys.stderr.write("x\\ny\\n"); sys.exit(3)')
        with procs.Child(python(code)) as child:
            outcome = child.communicate(30)
        self.assertFalse(outcome.timed_out)
        self.assertEqual(3, outcome.returncode)
        self.assertEqual({'a': 1}, procs.last_result(outcome.stdout, 'R '))
        self.assertIsNone(procs.last_result(outcome.stdout, 'NONE '))
        self.assertEqual('x | y', outcome.tail())
        self.assertEqual([1], procs.last_result('[0]\n[1]\n\n'))
        self.assertRaises(ValueError, procs.last_result, 'after\n')
        self.assertRaises(IndexError, procs.last_result, '\n')

    def test_children_import_this_checkout_and_choose_their_mode(self):
        env = procs.child_env(mode='threading', extra={'X': '1'})
        self.assertEqual(procs.ROOT, env['PYTHONPATH'].split(os.pathsep)[0])
        self.assertEqual('threading', env['OSLO_LOOPINGCALL_BACKEND'])
        self.assertEqual('1', env['X'])
        self.assertNotIn('OSLO_LOOPINGCALL_BACKEND', procs.child_env())

    def test_competitors_busy_loop_until_stopped(self):
        busy = procs.start_busy(1)
        self.assertIsNone(busy[0].poll())
        procs.stop_busy(busy)
        self.assertIsNotNone(busy[0].poll())

    def test_a_forked_child_reports_or_is_reported_hung(self):
        with procs.Child(python(FORKS), env=procs.child_env(),
                         session=True) as child:
            outcome = child.communicate(60)
        self.assertEqual(0, outcome.returncode, outcome.describe())
        self.assertEqual(
            {'returns': {'answer': 42},
             'hangs_after_one': {'first': 'step', 'hung': True},
             'hangs': 'hung',
             'raises': {'error': 'ValueError: no'}},
            json.loads(outcome.stdout))


class TestReport(testtools.TestCase):

    def test_checks_are_kept_as_json_ready_lists(self):
        checks = report.Checks(detail=str)
        self.assertIs(True, checks.check('a', True, (1, 2)))
        self.assertEqual(0, checks.check('b', 0))
        self.assertEqual([['a', True, '(1, 2)'], ['b', False, '']],
                         checks.items)
        self.assertFalse(checks.ok)

    def test_a_long_detail_wraps_at_its_semicolons(self):
        rep = report.Report()
        rep.check('leaks', True, 'x' * 40 + '; ' + 'y' * 30)
        rep.check('dict detail', False, {'fds': 1})
        self.assertEqual(
            ['  PASS leaks             ' + 'x' * 40 + ';',
             ' ' * 25 + 'y' * 30,
             "  FAIL dict detail       {'fds': 1}"], rep.lines)
        self.assertEqual({'fds': 1}, rep.items[1][2])


class TestProbes(testtools.TestCase):

    def test_growth_tells_hub_epolls_from_other_descriptors(self):
        before = dict(threads=1, fds={0: 'a'}, greenthreads=2)
        now = dict(threads=3, greenthreads=2,
                   fds={0: 'a', 9: 'pipe:[2]', 4: probes.EPOLL, 5: 'b'})
        self.assertEqual({'threads': 2, 'hub epolls': 1,
                          'fds': ['b', 'pipe:[2]']},
                         probes.growth(before, now))

    def test_a_thread_left_running_is_a_leak_until_it_ends(self):
        # A loop thread of an earlier test may still be on its way out:
        # its end would cancel this one out of the count.
        self.assertTrue(probes.wait_until(
            lambda: not any(t.name.startswith('loopingcall:')
                            for t in threading.enumerate()), 10, 0.01))
        before = probes.snapshot()
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait, daemon=True)
        thread.start()
        self.assertEqual(1, probes.leaks(before, settle=0, sleep=None,
                                         poll=0)['threads'])
        self.assertEqual({}, probes.leaks(
            before, settle=0, sleep=None, poll=0, ignore=('threads',)))
        stop.set()
        thread.join()
        self.assertEqual({}, probes.leaks(before, settle=30,
                                          sleep=modes.Mode('threading').sleep,
                                          poll=0.01))

    def test_wait_until_reports_whether_it_held(self):
        calls = []
        self.assertTrue(probes.wait_until(lambda: calls.append(1) or
                                          len(calls) > 2, 30, 0))
        self.assertFalse(probes.wait_until(lambda: False, 0, 0))


class TestStretch(testtools.TestCase):

    @staticmethod
    def _reader(*samples):
        samples = list(samples)
        return lambda: samples.pop(0)

    def test_runnable_time_per_cpu_second_of_every_thread(self):
        ms = 1_000_000
        read = self._reader(
            {'1': (100 * ms, 0), '2': (5 * ms, 5 * ms)},
            # 1 ran 100 ms more and waited 300 ms; 2 ended; 3 was born
            # and ran 100 ms, waiting 100 ms.
            {'1': (200 * ms, 300 * ms), '3': (100 * ms, 100 * ms)},
            # 1 ended; a new thread took its id: counted whole.
            {'1': (20 * ms, 20 * ms)})
        gauge = stretch.Stretch(read, fallback=lambda: 99.0)
        self.assertTrue(gauge.measured)
        self.assertEqual(1.0, gauge.factor)
        self.assertEqual(3.0, gauge.sample())
        self.assertAlmostEqual(640 / 220, gauge.sample())
        gauge.close()
        self.assertAlmostEqual(640 / 220, gauge.sample())

    def test_too_little_cpu_time_is_no_stretch(self):
        read = self._reader({'1': (0, 0)}, {'1': (1000, 10 ** 9)})
        gauge = stretch.Stretch(read, fallback=lambda: 99.0)
        self.assertEqual(1.0, gauge.sample())

    def test_without_scheduler_figures_the_fallback_stands_in(self):
        gauge = stretch.Stretch(dict, fallback=lambda: 3.5)
        self.assertFalse(gauge.measured)
        self.assertEqual(3.5, gauge.sample())
        self.assertGreaterEqual(stretch.load_per_cpu(), 1.0)

    def test_this_process_has_figures_where_the_kernel_keeps_them(self):
        times = stretch.task_times()
        if not os.path.exists('/proc/self/schedstat'):
            self.assertEqual({}, times)
            return
        self.assertIn(str(threading.get_native_id()), times)
        self.assertEqual({}, stretch.task_times('/nonexistent'))
