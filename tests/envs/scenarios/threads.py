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

"""Scenarios with many OS threads: starting, stopping, waiting at once.

In eventlet mode every OS thread that starts a loop runs it in a hub of
its own; stop() and wait() from the other threads go through the
cross-thread paths. Races with the end of a loop are made certain with
:mod:`tests.envs.scenarios.seams`.
"""

import threading

import oslo_loopingcall
from oslo_loopingcall import loopingcall as lc
from tests.envs.scenarios import common
from tests.envs.scenarios import seams


class _Board:
    """Loops published by their owner threads for the others to use."""

    def __init__(self, owners):
        self.lock = threading.Lock()
        self.loops = {}
        self.ready = threading.Barrier(owners + 1, timeout=common.BOUND)


def _owner(board, index, runs):
    """Start one long loop and one finishing loop; run until both end."""
    long_runs = []
    sleeper = lc.FixedIntervalLoopingCall(long_runs.append, index)
    sleeper.start(interval=common.LONG)
    finishing = lc.DynamicLoopingCall(common.finisher(index, runs), 0.002)
    finishing.start()
    with board.lock:
        board.loops[index] = (sleeper, finishing)
    board.ready.wait()
    # Keep this thread's hub running until the others stopped the sleeper.
    return [common.bounded(sleeper.wait), common.bounded(finishing.wait)]


def many_threads(owners=6, runs=20):
    """Loops owned by many OS threads, stopped and waited by the others.

    Every owner thread starts a loop that sleeps 30 s and a loop that ends
    itself after ``runs`` runs. Once all are running, each sleeper is
    stopped from the next owner's stopper thread and both loops of each
    owner are waited for from two other threads. Nothing may hang, every
    waiter gets the right result, nothing is left behind (but the epolls
    of eventlet's hubs: see common.leaks).
    """
    common.warm_up()
    before = common.snapshot()
    board = _Board(owners)
    owner_threads = [common.start_os_thread(
        lambda i=i: _owner(board, i, runs), name=f'owner-{i}')
        for i in range(owners)]
    board.ready.wait()
    waiters = []
    for i in range(owners):
        sleeper, finishing = board.loops[i]
        for _ in range(2):
            waiters.append((i, common.start_os_thread(sleeper.wait),
                            common.start_os_thread(finishing.wait)))
    stoppers = [common.start_os_thread(board.loops[i][0].stop)
                for i in range(owners)]
    out = {'stops': sorted({common.join(*s) for s in stoppers}),
           'owners': sorted({str(common.join(*o)) for o in owner_threads})}
    results = set()
    for i, sleeper_wait, finishing_wait in waiters:
        results.add(common.join(*sleeper_wait))
        results.add(common.join(*finishing_wait).replace(repr(i), 'i'))
    out['waiters'] = sorted(results)
    # Descriptors are threads_that_ran_loops_leave_nothing's business.
    out['leaks'] = common.leaks(before, ignore=('hub epolls', 'fds'))
    return out


def one_loop_started_from_many_threads(threads=8):
    """start() of one loop from many threads at once: exactly one wins.

    The winner keeps running its thread (its hub, in eventlet mode) until
    the loop ends; the loop is stopped and waited for from other threads.
    """
    timer = lc.FixedIntervalLoopingCall(lambda: None)
    gate = threading.Barrier(threads, timeout=common.BOUND)
    attempts = []

    def start():
        gate.wait()
        try:
            timer.start(interval=common.LONG)
        except RuntimeError:
            attempts.append('refused')
            return 'refused'
        attempts.append('started')
        return common.bounded(timer.wait)
    racers = [common.start_os_thread(start) for _ in range(threads)]
    # Stopped only once every racer has tried: a racer that came after
    # the end of the first run could rightly start a second one.
    common.wait_until(lambda: len(attempts) == threads)
    stopped = common.in_os_thread(timer.stop)
    waited = common.in_os_thread(timer.wait)
    outcomes = [common.join(*r) for r in racers]
    return {'outcomes': {o: outcomes.count(o) for o in set(outcomes)},
            'stop': stopped, 'wait': waited}


def owner_thread_ended():
    """A loop outlives the OS thread that started it; others wait for it.

    With native threads the loop has its own thread and goes on. In
    eventlet mode it belongs to the hub of the thread that started it:
    once that thread has ended the loop never runs again, so a waiter must
    be told so rather than wait for ever.
    """
    runs = []
    holder = []

    def owner():
        timer = lc.FixedIntervalLoopingCall(runs.append, 1)
        timer.start(interval=0.01)
        holder.append(timer)
        return 'left'
    common.in_os_thread(owner)
    timer = holder[0]
    stopped = common.in_os_thread(timer.stop)
    return {'stop': stopped, 'wait': common.in_os_thread(timer.wait, 2),
            'runs': len(runs),
            'listed': timer in oslo_loopingcall.running_loops()}


def foreign_wait_keeps_this_hub_running(length=0.3):
    """wait() on another thread's loop must not freeze this thread's hub.

    A greenthread of the waiting thread ticks every 10 ms while the main
    greenthread waits ``length`` seconds for a loop of another OS thread:
    in eventlet mode a native, blocking wait would stop every greenthread
    of the waiting thread (a whole service, for its main thread).
    """
    holder = []
    ticks = []
    ticking = [True]

    def owner():
        timer = lc.FixedIntervalLoopingCall(common.finisher('done', 2))
        timer.start(interval=length)
        holder.append(timer)
        return common.bounded(timer.wait)

    def ticker():
        while ticking[0]:
            ticks.append(common.clock())
            common.sleep(0.01)
    thread, outcome = common.start_os_thread(owner)
    common.wait_until(lambda: holder)
    if common.GREEN:
        import eventlet
        eventlet.spawn(ticker)
    else:
        common.start_os_thread(ticker)
    common.sleep(0.02)
    started = common.clock()
    waited = common.bounded(holder[0].wait)
    ended = common.clock()
    ticking[0] = False
    during = [t for t in ticks if started <= t <= ended]
    return {'wait': waited, 'owner': common.join(thread, outcome),
            'ticks while waiting': len(during) >= (ended - started) / 0.05}


def wait_racing_the_end(delay=0.3):
    """wait() from another OS thread, arriving as the loop ends.

    The window is held open for ``delay`` seconds (see seams): the loop is
    already marked as ended but has not delivered its result. The waiter
    thread calls wait() inside it, every time.
    """
    reached = common.os_threading().Event()
    f = common.finisher('the result', 3)
    seams.widen_end_of_loop(delay, reached, only=f)
    timer = lc.FixedIntervalLoopingCall(f)
    timer.start(interval=0.001)

    def late_waiter():
        if not reached.wait(common.BOUND):
            return 'the window was never reached'
        return timer.wait()
    waiter = common.start_os_thread(late_waiter, name='late-waiter')
    own = common.bounded(timer.wait)
    return {'own wait': own,
            'late waiter': common.join(*waiter)}


def stop_racing_the_end(delay=0.3):
    """stop() from another OS thread while the loop is ending."""
    reached = common.os_threading().Event()
    f = common.finisher('the result', 3)
    seams.widen_end_of_loop(delay, reached, only=f)
    timer = lc.FixedIntervalLoopingCall(f)
    timer.start(interval=0.001)

    def late_stopper():
        if not reached.wait(common.BOUND):
            return 'the window was never reached'
        timer.stop()
        return 'stopped'
    before = common.snapshot()
    stopper = common.start_os_thread(late_stopper)
    own = common.bounded(timer.wait)
    return {'own wait': own, 'stopper': common.join(*stopper),
            'leaks': common.leaks(before)}


def first_loop_in_a_thread():
    """The process's first loop starts in an OS thread, not the main one.

    In eventlet mode that is where eventlet is first imported. The thread
    must end (be joinable) once its loop has ended, or the interpreter
    waits for it for ever at exit.
    """
    import sys
    already = 'eventlet' in sys.modules

    def body():
        timer = lc.FixedIntervalLoopingCall(lambda: None)
        timer.start(interval=0.01)
        common.sleep(0.03)
        timer.stop()
        return timer.wait()
    thread = threading.Thread(target=body, name='first-loop', daemon=False)
    thread.start()
    thread.join(common.BOUND)
    return {'eventlet imported before': already,
            'thread ended': not thread.is_alive()}


def threads_that_ran_loops_leave_nothing(threads=5):
    """OS threads that each ran a loop and ended leave nothing of ours.

    In eventlet mode, eventlet alone keeps one epoll per such thread (its
    hub's); the same threads running a bare eventlet sleep instead show
    how many, as a control.
    """
    common.warm_up()
    # Wait for everything else to go, not for what eventlet keeps for ever.
    kept = ('hub epolls',)
    before = common.snapshot()
    for _ in range(threads):
        common.in_os_thread(_one_loop)
    out = {'leaks': common.leaks(before, ignore=kept)}
    if common.GREEN:
        import eventlet
        out['hub epolls'] = common.hub_epolls(before)
        before = common.snapshot()
        for _ in range(threads):
            common.in_os_thread(lambda: eventlet.sleep(0.001))
        out['bare eventlet'] = common.leaks(before, ignore=kept)
        out['bare eventlet hub epolls'] = common.hub_epolls(before)
    return out


def _one_loop():
    timer = lc.FixedIntervalLoopingCall(common.finisher('done', 2))
    timer.start(interval=0.001)
    return timer.wait()
