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

"""The suite: rounds of controllers, each starting its loop again and again.

One *controller* per loop (a greenthread, or an OS thread in native-thread
mode) starts its loop until the round's time is up, each run planned by
``_plan.plan``, with extra waiters, stoppers and killers; pools of OS
threads stop loops and wait for them from other threads. Every wait() is
registered while it blocks, so that the round can count (and, for a
greenthread, release) one still blocked at its hard deadline.
"""

import os
import queue
import random
import threading
import time

from _mode import GREEN
from _mode import MODE
from _mode import mode
from _plan import BACKOFF
from _plan import BASE
from _plan import Body
from _plan import CLASSES
from _plan import DONE
from _plan import DYN
from _plan import DYN_ERR
from _plan import ENDING_WEIGHTS
from _plan import ETIMEOUT
from _plan import EXC
from _plan import F_ENDINGS
from _plan import KILL
from _plan import KILL_NOW
from _plan import KINDS
from _plan import MIN_IDLE
from _plan import P_NEW_LOOP
from _plan import P_SECOND_WAIT
from _plan import P_STOP_ENDED
from _plan import P_WAIT_IN_F
from _plan import P_YIELD
from _plan import plan
from _plan import STOP_IN_F
from _plan import STOP_IN_F_DONE
from _plan import STOP_NOW
from _plan import STOP_OS
from _plan import Swallowed
from _plan import TIMEOUT
from _retries import Retries
from _rounds import Hung
from _rounds import Round
from oslo_loopingcall import loopingcall

if GREEN:
    import eventlet
    import greenlet

clock = time.monotonic

#: The name of the OS threads that stop loops for the controllers.
STOPPER = 'stress-stopper'


def _joined(thread, timeout):
    thread.join(timeout)
    return not thread.is_alive()


class Suite:
    """The controllers of every round, and the OS threads that help them."""

    def __init__(self, cfg, log):
        self.cfg = cfg
        self.log = log
        self.endings = [e for e in ENDING_WEIGHTS
                        if GREEN or e not in (ETIMEOUT, STOP_OS, KILL,
                                              KILL_NOW)]
        self.retries = Retries()
        # OS threads that stop loops and wait for them on behalf of the
        # controllers: in eventlet mode, the cross-thread calls; in
        # native-thread mode, every stop() and wait() from another thread
        # (a pool, since starting threads under load is slow).
        self.pool = []
        self.stop_q = queue.Queue()
        self.wait_q = queue.Queue()
        self.retry_q = queue.Queue()

    # -- helpers of both modes: greenthreads, or native threads

    spawn = staticmethod(mode.spawn)
    sleep = staticmethod(mode.sleep)

    def join(self, handle, rnd):
        if GREEN:
            try:
                handle.wait()
            except BaseException as exc:  # noqa: B902 - reported
                rnd.problem(f'helper greenthread died: {exc!r}')
            return
        rnd.wait(lambda timeout: _joined(handle, timeout))

    # -- pools of OS threads (created once, before the rounds)

    def start_pools(self):
        cfg = self.cfg
        for _ in range(cfg['os_stoppers']):
            self.pool.append(self._thread(STOPPER, self._os_stopper))
        for _ in range(cfg['os_waiters']):
            self.pool.append(self._thread('stress-waiter', self._os_waiter))
        for i in range(cfg['os_retry_threads']):
            self.pool.append(self._thread('stress-retry', self._os_retry, i))

    def stop_pools(self, timeout=10):
        for _ in range(self.cfg['os_stoppers']):
            self.stop_q.put(None)
        for _ in range(self.cfg['os_waiters']):
            self.wait_q.put(None)
        for _ in range(self.cfg['os_retry_threads']):
            self.retry_q.put(None)
        deadline = clock() + timeout
        for thread in self.pool:
            thread.join(max(0.0, deadline - clock()))
        return not any(t.is_alive() for t in self.pool)

    @staticmethod
    def _thread(name, target, *args):
        thread = threading.Thread(target=target, args=args, name=name,
                                  daemon=True)
        thread.start()
        return thread

    def _os_stopper(self):
        while True:
            item = self.stop_q.get()
            if item is None:
                return
            due, delay, rnd, run = item
            if run.ramp:
                due = self._ramped(rnd, time.sleep) + delay
            delay = due - clock()
            if delay > 0:
                time.sleep(delay)
            try:
                run.loop.stop()
            except BaseException as exc:  # noqa: B902 - reported
                rnd.problem(f'{run.label}: stop() from an OS thread '
                            f'raised {exc!r}')
            rnd.add('did_stop_os' if GREEN else 'did_stop_other')
            run.add_pending(-1)
            # Hold nothing of the run while blocked in get().
            del item, rnd, run

    def _os_waiter(self):
        while True:
            item = self.wait_q.get()
            if item is None:
                return
            rnd, run, delay = item
            if delay:
                time.sleep(delay)
            self.wait_for(rnd, run, os_thread=True)
            run.add_pending(-1)
            del item, rnd, run

    def _os_retry(self, index):
        while True:
            rnd = self.retry_q.get()
            if rnd is None:
                return
            try:
                self.retries.caller(rnd, f'os{index}', True)
            finally:
                with rnd.lock:
                    rnd.os_retry_done += 1
            del rnd

    # -- a round

    def run_round(self, name, duration, endings, ramp=True):
        rnd = Round(name, self.cfg, duration, ramp)
        rnd.endings = endings
        seeds = random.Random(f'{self.cfg["seed"]}:{MODE}:{name}')
        handles = []
        for i in range(rnd.loops):
            handles.append(self.spawn(self.controller, rnd, i,
                                      seeds.getrandbits(64)))
        for i in range(rnd.retry_callers):
            handles.append(self.spawn(self.retries.caller, rnd,
                                      seeds.getrandbits(64), False))
        if GREEN:
            self._run_green(rnd, handles)
        else:
            self._run_threads(rnd, handles)
        rnd.wall = clock() - rnd.t0
        rnd.finish()
        if os.environ.get('STRESS_DEBUG'):
            ramp = rnd.ramped_at and rnd.ramped_at - rnd.t0
            print(f'round {name}: ramped after {ramp} s, wall {rnd.wall:.1f}'
                  f' s, runs {rnd.counts["runs"]}, stretch '
                  f'{rnd.measured:.2f}', flush=True)
        rnd.waiting = {}  # a dict does not shrink: let the big one go
        return rnd

    def _run_green(self, rnd, handles):
        n_os = self.cfg['os_retry_threads']
        for _ in range(n_os):
            self.retry_q.put(rnd)
        rnd.go.set()
        dog = eventlet.spawn(self.watchdog, rnd)
        for handle in handles:
            self.join(handle, rnd)
        while rnd.os_retry_done < n_os and not rnd.abandon:
            eventlet.sleep(0.01)
        rnd.over = True
        dog.wait()

    @staticmethod
    def _run_threads(rnd, handles):
        rnd.go.set()
        while handles and not rnd.supervise():
            handles[-1].join(0.1)
            handles = [h for h in handles if h.is_alive()]
        if handles:
            rnd.expire()
            # Time for those not blocked in wait() to see the round over.
            last = rnd.hard + min(5.0, rnd.grace)
            for handle in handles:
                handle.join(max(0.0, last - clock()))
            stuck = sum(1 for h in handles if h.is_alive())
            if stuck:
                rnd.problem(f'{stuck} controller threads still blocked '
                            f'after the hard deadline')
        rnd.over = True

    @staticmethod
    def watchdog(rnd):
        while not rnd.over:
            if rnd.supervise():
                rnd.expire()
                if clock() >= rnd.hard + 30:
                    print(f'stress: round {rnd.name!r} stuck 30 s after '
                          f'its hard deadline; hung {rnd.hung}; '
                          f'problems {rnd.problems}', flush=True)
                    os._exit(3)
            eventlet.sleep(0.1)

    # -- waiting, with registration

    def wait_for(self, rnd, run, os_thread=False):
        key = object()
        entry = [run.label, None if os_thread or not GREEN
                 else greenlet.getcurrent(), False]
        rnd.waiting[key] = entry
        try:
            try:
                value = run.loop.wait()
            finally:
                rnd.waiting.pop(key, None)
        except Hung:
            return
        except BaseException as exc:  # noqa: B902 - the loop's outcome
            if not entry[2]:
                run.outcomes.append((False, exc))
        else:
            if not entry[2]:
                run.outcomes.append((True, value))
        rnd.add('waits_os' if os_thread and GREEN else 'waits')

    # -- the controller of one loop

    def controller(self, rnd, index, seed):
        rng = random.Random(seed)
        rnd.go.wait()
        loop = body = None
        number = 0
        try:
            # In a ramp round every controller starts its first run, late
            # as it may be on a busy machine: otherwise the ramp could
            # never happen.
            while not rnd.abandon and (clock() < rnd.t_end or (
                    number == 0 and rnd.ramp_pending)):
                fresh = loop is None or rng.random() < P_NEW_LOOP
                if fresh:
                    kind = rng.choice(KINDS)
                    body = Body(self)
                    loop = CLASSES[kind](body)
                    body.loop = loop
                    rnd.add('loops')
                run = plan(rnd, rng, loop, body, index, number)
                self.execute(rnd, rng, run, fresh)
                number += 1
        except BaseException as exc:  # noqa: B902 - reported
            rnd.problem(f'controller {index} crashed: {exc!r}')
            rnd.give_up_ramp(f'controller {index} crashed')

    def execute(self, rnd, rng, run, fresh):
        loop = run.loop
        if not fresh:
            rnd.add('restarts')
            if rng.random() < P_STOP_ENDED:
                loop.stop()  # the loop has ended: no effect
                rnd.add('stop_ended')
        run.body.run = run
        run.rnd = rnd
        try:
            event = loop.start(**run.kwargs)
        except Exception as exc:
            rnd.problem(f'{run.label}: start() raised {exc!r}')
            rnd.give_up_ramp(f'{run.label}: start() raised')
            return
        rnd.started()
        rnd.add('runs')
        rnd.add('end:' + run.ending)
        if event is not loop.done:
            rnd.problem(f'{run.label}: start() did not return loop.done')
        if run.ending == STOP_NOW:
            loop.stop()
        elif run.ending == KILL_NOW:
            loop._thread.kill()
        handles = []
        for how, delay in run.actions:
            if how == 'os' or not GREEN:
                run.add_pending()
                self.stop_q.put((clock() + delay, delay, rnd, run))
            else:
                handles.append(self.spawn(self.act, rnd, run, how, delay))
        for delay in run.waiters:
            if GREEN:
                run.n_waits += 1
                handles.append(self.spawn(self.waiter, rnd, run, delay))
            elif self.wait_q.qsize() < self.cfg['os_waiters']:
                run.n_waits += 1
                run.add_pending()
                self.wait_q.put((rnd, run, delay))
        if run.os_waiter is not False and (
                self.wait_q.qsize() < self.cfg['os_waiters']):
            run.n_waits += 1
            run.add_pending()
            self.wait_q.put((rnd, run, run.os_waiter))
        run.n_waits += 1
        self.wait_for(rnd, run)
        rnd.ended()
        for handle in handles:
            self.join(handle, rnd)
        if GREEN:
            while run.pending > 0 and clock() < rnd.hard + 1:
                self.sleep(0.002)
        else:
            rnd.wait(run.settled.wait)
        if rng.random() < P_SECOND_WAIT:
            run.n_waits += 1
            rnd.add('second_waits')
            self.wait_for(rnd, run)
        self.check(rnd, run)

    def act(self, rnd, run, how, delay):
        if run.ramp:
            delay = max(0.0, self._ramped(rnd, self.sleep) + delay - clock())
        self.sleep(delay)
        if how == 'kill':
            thread = run.loop._thread
            if thread is None:
                rnd.problem(f'{run.label}: ended before it was killed')
                return
            thread.kill()
            rnd.add('did_kill')
        else:
            run.loop.stop()
            rnd.add('did_stop_other')

    @staticmethod
    def _ramped(rnd, sleep):
        """When all loops of the round first ran at once.

        First runs are ended only after that moment, or once the round
        gave it up (see Round.supervise): once per round, not per run.
        """
        if GREEN and sleep is not time.sleep:
            rnd.green_ramped.wait()
        else:
            rnd.wait(rnd.ramped.wait)
        return rnd.ramped_at or clock()

    def waiter(self, rnd, run, delay):
        if delay:
            self.sleep(delay)
        self.wait_for(rnd, run)

    # -- f

    def f(self, body):
        run = body.run
        rnd = run.rnd
        call = run.calls
        run.calls += 1
        rng = run.rng
        rnd.add('f_calls')
        if rng.random() < P_WAIT_IN_F:
            rnd.add('wait_in_f')
            try:
                body.loop.wait()
            except RuntimeError:
                pass
            else:
                rnd.problem(f'{run.label}: wait() inside f returned')
        ending = run.ending
        if call == run.k and ending in F_ENDINGS:
            if ending == DONE:
                raise loopingcall.LoopingCallDone(run.token)
            if ending in (EXC, BASE):
                self.log.expect(run.exc)
                raise run.exc
            if ending == ETIMEOUT:
                timeout = eventlet.Timeout(0.002)
                run.expect = ('raise', timeout)
                self.log.expect(timeout)
                try:
                    eventlet.sleep(0.1)
                finally:
                    timeout.cancel()
                rnd.problem(f'{run.label}: eventlet.Timeout did not fire')
                return None
            if ending in (STOP_IN_F, STOP_IN_F_DONE):
                body.loop.stop()
                if ending == STOP_IN_F_DONE:
                    raise loopingcall.LoopingCallDone(run.token)
                return self._result(run, rng)
            if ending == DYN_ERR:
                return None
        if run.swallow_p and rng.random() < run.swallow_p:
            exc = Swallowed(run.label)
            self.log.expect(exc)
            rnd.add('swallowed')
            raise exc
        if rng.random() < P_YIELD:
            rnd.add('f_yields')
            self.sleep(0 if rng.random() < 0.7 else 0.001)
        return self._result(run, rng)

    @staticmethod
    def _result(run, rng):
        kind = run.kind
        if kind == DYN:
            x = rng.random()
            if run.pim is not None and x < 0.15:
                return None
            if x < 0.2:
                return 0
            if x < 0.25:
                return -0.01  # overdue: no wait (D09)
            return rng.uniform(MIN_IDLE, 0.05)
        if kind == BACKOFF:
            if run.ending == TIMEOUT:
                return False
            return rng.random() < 0.6
        return None

    # -- checking a run

    def check(self, rnd, run):
        expect = run.expect
        outs = run.outcomes
        label = run.label
        if expect is None:
            rnd.problem(f'{label}: never reached its planned end '
                        f'({run.calls} runs of f)')
            return
        if len(outs) != run.n_waits and not rnd.abandon:
            rnd.problem(f'{label}: {run.n_waits} waits, '
                        f'{len(outs)} outcomes')
        how, want = expect
        first = None
        for returned, value in outs:
            if how == 'ret':
                good = returned and value is want
            elif how == 'raise':
                good = not returned and value is want
            else:
                good = not returned and isinstance(value, want)
                if good:
                    if first is None:
                        first = value
                    elif value is not first:
                        good = False
            if not good:
                what = 'returned' if returned else 'raised'
                rnd.problem(f'{label}: expected {how} {want!r}, '
                            f'{what} {value!r}')
                break
        ending = run.ending
        if ending in (TIMEOUT, DYN_ERR) and first is not None:
            if not self.log.claim(first):
                rnd.problem(f'{label}: {first!r} was not logged at ERROR')
        if ending in F_ENDINGS and run.calls != run.k + 1:
            rnd.problem(f'{label}: f ran {run.calls} times, '
                        f'expected {run.k + 1}')
        if ending in (STOP_NOW, KILL_NOW) and GREEN and run.calls:
            rnd.problem(f'{label}: f ran {run.calls} times after an '
                        f'immediate {ending}')
        if how == 'ret' and want is True:
            rnd.add('out:stop')
        elif how == 'ret':
            rnd.add('out:result')
        elif ending in (KILL, KILL_NOW):
            rnd.add('out:kill')
        else:
            rnd.add('out:exception')
