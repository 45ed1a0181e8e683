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

"""(d) Loops started, stopped and waited from many OS threads at once.

In eventlet mode each OS thread that starts a loop runs it in a hub of its
own; stop() and wait() from other threads take the cross-thread paths.
Races with the end of a loop are held open by an injected pause on the
library's own path (tests/envs/scenarios/seams.py), so that they happen
every time.
"""


import testscenarios

from tests.envs import scenario_runner as runner


class TestManyThreads(testscenarios.WithScenarios, runner.EnvTestCase):

    scenarios = runner.MODES

    def test_owners_stoppers_and_waiters_in_many_threads(self):
        result = self.scenario('threads', 'many_threads')
        self.assertEqual(['returned None'], result['stops'])
        self.assertEqual(
            [f"returned ['returned True', 'returned {i}']" for i in range(6)],
            result['owners'])
        # 'returned i': each finishing loop's own index.
        self.assertEqual(['returned True', 'returned i'], result['waiters'])
        # Descriptors are TestThreadsThatRanLoops' business.
        leaks = result['leaks']
        self.assertEqual({}, {k: leaks[k] for k in leaks
                              if k in ('threads', 'greenthreads')})

    def test_one_loop_started_from_many_threads_at_once(self):
        result = self.scenario('threads', 'one_loop_started_from_many_threads')
        self.assertEqual({'outcomes': {"returned 'returned True'": 1,
                                       "returned 'refused'": 7},
                          'stop': 'returned None', 'wait': 'returned True'},
                         result)

    def test_stop_racing_the_end_of_the_loop(self):
        self.assertEqual({'own wait': "returned 'the result'",
                          'stopper': "returned 'stopped'", 'leaks': {}},
                         self.scenario('threads', 'stop_racing_the_end'))


class TestRaces(runner.EnvTestCase):

    WAIT_RACE = {'own wait': "returned 'the result'",
                 'late waiter': "returned 'the result'"}

    # The end of a loop clears ``_thread`` (``_release()``) *before* it
    # sends the result: a waiter from another OS thread arriving in
    # between must not take that for "ended" and wait green on an event of
    # another thread's hub (the send could not switch to it).
    def test_eventlet_mode_wait_arriving_as_the_loop_ends(self):
        self.assertEqual(self.WAIT_RACE, self.scenario(
            'threads', 'wait_racing_the_end', mode='eventlet'))

    def test_threading_mode_wait_arriving_as_the_loop_ends(self):
        self.assertEqual(self.WAIT_RACE, self.scenario(
            'threads', 'wait_racing_the_end', mode='threading'))


class TestThreadsOfTheirOwn(runner.EnvTestCase):
    """OS threads that start loops, then end."""

    # Before CPython 3.13, eventlet's first import in an OS thread that is
    # not the main one (``patcher.original('threading')`` re-executes the
    # threading module there) takes the thread's shutdown lock over:
    # join() never returns and the interpreter waits for the thread for
    # ever at exit. Importing oslo_loopingcall in the main thread imports
    # eventlet there when eventlet mode is to be the mode.
    def test_eventlet_mode_first_loop_in_a_thread_lets_it_end(self):
        """D23: eventlet is imported in the main thread."""
        self.first_loop_in_a_thread('eventlet')

    def test_threading_mode_first_loop_in_a_thread_lets_it_end(self):
        self.first_loop_in_a_thread('threading')

    def first_loop_in_a_thread(self, mode):
        result = self.scenario('threads', 'first_loop_in_a_thread',
                               mode=mode)
        self.assertTrue(result['thread ended'])

    # Each hub that runs a loop gets a wake-up pipe (_waker), closed when
    # its OS thread ends. (eventlet itself keeps each such thread's epoll
    # descriptor: the scenario measures that with bare eventlet, and only
    # what exceeds it is ours.)
    def test_eventlet_mode_threads_that_ran_loops_leave_nothing(self):
        result = self.scenario('threads',
                               'threads_that_ran_loops_leave_nothing',
                               mode='eventlet')
        self.assertEqual({}, result['leaks'])
        self.assertEqual({}, result['bare eventlet'])
        # eventlet keeps one epoll per thread that ran a hub, and no more
        # of them are kept when the thread ran a loop.
        self.assertEqual(result['bare eventlet hub epolls'],
                         result['hub epolls'])

    def test_threading_mode_threads_that_ran_loops_leave_nothing(self):
        self.assertEqual({'leaks': {}}, self.scenario(
            'threads', 'threads_that_ran_loops_leave_nothing',
            mode='threading'))

    # A loop runs in the hub of the OS thread that started it; once that
    # thread has ended the loop can never run again (P47): wait() from
    # another thread raises rather than waiting for ever.
    def test_eventlet_mode_loop_outliving_its_thread_does_not_hang(self):
        """P47, D23: wait() on a loop whose thread ended never hangs."""
        result = self.scenario('threads', 'owner_thread_ended',
                               mode='eventlet')
        self.assertEqual('returned None', result['stop'])
        self.assertRegex(result['wait'],
                         '^raised RuntimeError: the OS thread that started')
        # f never ran (P47), and the loop is not listed as running.
        self.assertEqual(0, result['runs'])
        self.assertFalse(result['listed'])

    def test_threading_mode_loop_outliving_its_thread(self):
        result = self.scenario('threads', 'owner_thread_ended',
                               mode='threading')
        self.assertEqual('returned None', result['stop'])
        self.assertEqual('returned True', result['wait'])
        self.assertFalse(result['listed'])

    # wait() from another OS thread that has a hub waits green: a native
    # wait would stop every other greenthread of the waiting thread until
    # the loop ends -- a whole service, if that is its main thread.
    def test_eventlet_mode_foreign_wait_keeps_this_hub_running(self):
        """D23: a foreign wait() keeps the waiting hub running."""
        result = self.scenario('threads',
                               'foreign_wait_keeps_this_hub_running',
                               mode='eventlet')
        self.assertEqual("returned 'done'", result['wait'])
        self.assertTrue(result['ticks while waiting'])

    def test_threading_mode_foreign_wait_keeps_other_threads_running(self):
        result = self.scenario('threads',
                               'foreign_wait_keeps_this_hub_running',
                               mode='threading')
        self.assertEqual("returned 'done'", result['wait'])
        self.assertTrue(result['ticks while waiting'])
