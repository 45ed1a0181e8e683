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

"""Scenarios of forked processes, while other threads keep using loops.

oslo.service's ProcessLauncher forks its workers with ``os.fork()`` (in
eventlet mode the child then calls ``eventlet.hubs.use_hub()`` and
``tpool.killall()``); its threading backend uses multiprocessing's 'fork'
context. Meanwhile other threads of the parent may be starting and
stopping loops: whatever lock or pipe they hold at that instant is copied
into the child as it is.

A child reports through a pipe as JSON. It is bounded by an alarm that
ends it with status 7 (reported as ``'hung'``); the parent polls for it
without blocking its own loops.
"""

import json
import multiprocessing

from harness import forking
from oslo_loopingcall import loopingcall as lc
from tests.envs.scenarios import common
from tests.envs.scenarios import seams

#: Seconds a child may take (its alarm): it needs a fraction of one, but
#: an overbooked CI machine may stretch that many times over.
CHILD_BOUND = 20

#: Seconds one wait in a child may take before it counts as hung.
CHILD_WAIT = 5


# -- the parent's busy threads ------------------------------------------------

class Churn:
    """OS threads that start, stop and wait for loops until told to stop."""

    def __init__(self, threads):
        self.stopping = common.os_threading().Event()
        self.errors = []
        self.cycles = [0] * threads
        self.threads = [common.start_os_thread(
            lambda i=i: self._run(i), name=f'churn-{i}')
            for i in range(threads)]

    def _run(self, index):
        while not self.stopping.is_set():
            timer = lc.FixedIntervalLoopingCall(common.finisher('x', 2))
            timer.start(interval=0.001)
            ended = common.bounded(timer.wait)
            if ended != "returned 'x'":
                self.errors.append(ended)
            timer = lc.FixedIntervalLoopingCall(lambda: None)
            timer.start(interval=common.LONG)
            common.sleep(0)
            timer.stop()
            ended = common.bounded(timer.wait)
            if ended != 'returned True':
                self.errors.append(ended)
            self.cycles[index] += 1

    def finish(self):
        """Stop the threads; return their errors (and any that hung)."""
        self.stopping.set()
        outcomes = [common.join(*t) for t in self.threads]
        hung = [o for o in outcomes if o != 'returned None']
        return self.errors + hung


# -- running a child ----------------------------------------------------------

def _like_process_launcher():
    # What oslo.service's ProcessLauncher does in a new eventlet worker.
    if common.GREEN:
        import eventlet.hubs
        from eventlet import tpool
        tpool.killall()
        eventlet.hubs.use_hub()


def in_forked_child(fn, launcher=False, seconds=CHILD_BOUND + 2):
    """Run ``fn()`` in an ``os.fork()`` child; return its dict or 'hung'.

    A child reports step by step (``fn`` yields (key, outcome) pairs, or
    returns a dict), so that a hang shows where it is.
    """
    return forking.in_forked_child(
        fn, alarm_after=CHILD_BOUND, seconds=seconds, sleep=common.sleep,
        poll=0.005, prepare=_like_process_launcher if launcher else None)


def _mp_target(conn, fn_name):
    forking.alarm(CHILD_BOUND)
    conn.send(globals()[fn_name]())
    conn.close()


def in_mp_worker(fn_name, seconds=CHILD_BOUND + 2):
    """Run a function of this module in a multiprocessing 'fork' worker."""
    context = multiprocessing.get_context('fork')
    parent, child = context.Pipe()
    worker = context.Process(target=_mp_target, args=(child, fn_name))
    worker.start()
    deadline = common.clock() + seconds
    while worker.is_alive() and not parent.poll(0):
        if common.clock() > deadline:
            break
        common.sleep(0.005)
    result = parent.recv() if parent.poll(0) else 'hung'
    worker.join(1)
    if worker.is_alive():
        worker.kill()
        worker.join()
    return result


# -- what a child does --------------------------------------------------------

def exercise():
    """New loops in this process: a result, and a stop from an OS thread."""
    out = {}
    f = common.finisher('child', 3)
    timer = lc.FixedIntervalLoopingCall(f)
    out['start'] = common.bounded(lambda: timer.start(interval=0.001) and 1)
    out['wait'] = common.bounded(timer.wait, CHILD_WAIT)
    runs = []
    timer = lc.FixedIntervalLoopingCall(runs.append, 1)
    timer.start(interval=common.LONG)
    common.wait_until(lambda: runs)
    out['stop from an OS thread'] = common.in_os_thread(timer.stop)
    started = common.clock()
    waited = common.bounded(timer.wait)
    out['wait after it'] = waited + (
        ' at once' if common.clock() - started < common.PROMPT else ' late')
    return out


# -- scenarios ----------------------------------------------------------------

def child_while_threads_churn(forks=6, churners=3, launcher=False,
                              via='fork'):
    """Fork (``via``: 'fork' or 'multiprocessing') while loops churn.

    Each child exercises new loops; the parent must be unaffected: its
    threads go on without an error, and its own new loops work after.
    """
    common.bounded(exercise)  # this thread's hub and waker exist already
    churn = Churn(churners)
    common.wait_until(lambda: min(churn.cycles) > 0)
    children = []
    for _ in range(forks):
        if via == 'fork':
            children.append(in_forked_child(exercise, launcher))
        else:
            children.append(in_mp_worker('exercise'))
        common.sleep(0.005)
    errors = churn.finish()
    return {'children': sorted({json.dumps(c) for c in children}),
            'parent threads': errors, 'parent after': exercise()}


def child_forked_inside_start(launcher=False, delay=0.5, via='fork'):
    """A child forked while another thread is inside start().

    The window is held open (see seams): a thread of the parent pauses in
    start() while holding its lock, and the main thread forks right then.
    The child's first start() must not wait for a lock whose holder does
    not exist in the child.
    """
    common.bounded(exercise)
    reached = common.os_threading().Event()
    armed = [True]

    def arm_once():
        if armed[0] and common.os_threading().current_thread().name == (
                'starter'):
            armed[0] = False
            return True
        return False
    seams.widen_start(delay, reached, arm_once)

    def starter():
        timer = lc.FixedIntervalLoopingCall(common.finisher('x', 2))
        timer.start(interval=0.001)
        return timer.wait()
    thread, outcome = common.start_os_thread(starter, name='starter')
    if not reached.wait(common.BOUND):
        return {'error': 'the window was never reached'}
    if via == 'fork':
        child = in_forked_child(exercise, launcher)
    else:
        child = in_mp_worker('exercise')
    return {'child': child,
            'parent starter': common.join(thread, outcome),
            'parent after': exercise()}


def inherited_loop(launcher=False):
    """A loop running when the process forks: what the child sees.

    Proposed behaviour: the loop belongs to the parent. In the child it
    does not run; ``wait()`` raises ``RuntimeError`` at once (it would
    otherwise wait for a loop that cannot end); ``stop()`` is harmless;
    ``start()`` starts a new run of the child's own.
    """
    runs = []
    timer = lc.FixedIntervalLoopingCall(runs.append, 1)
    timer.start(interval=0.01)
    common.wait_until(lambda: len(runs) >= 2)

    def child():
        count = len(runs)
        common.sleep(0.1)
        yield 'runs on in the child', len(runs) > count
        yield 'wait', common.in_os_thread(timer.wait, CHILD_WAIT)
        yield 'stop', common.describe(timer.stop)
        yield 'wait after stop', common.in_os_thread(timer.wait, CHILD_WAIT)
        yield 'start', common.describe(
            lambda: timer.start(interval=0.01) is timer.done)
        timer.stop()
        yield 'wait after start', common.in_os_thread(timer.wait, CHILD_WAIT)
    child_out = in_forked_child(child, launcher)
    count = len(runs)
    common.wait_until(lambda: len(runs) > count)
    parent_runs_on = len(runs) > count
    timer.stop()
    return {'child': child_out, 'parent loop runs on': parent_runs_on,
            'parent wait': common.bounded(timer.wait)}
