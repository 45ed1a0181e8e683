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

"""Virtual time for loops in eventlet greenthreads.

A loop idles by parking its greenthread exactly as in real time (the abort
flag knows it, so ``stop()`` resumes it), except that no hub timer ends
the idle period: the virtual clock does. The clock jumps from a hub
callback run after every greenthread that was ready, once no loop started
under virtual time is busy (running, or ready to run).

A greenthread is ready from the moment it is woken (by the clock, by
``stop()``, by the outcome it waits for) until it runs: the hub may run
the callback in between, and the clock must not jump then. So the
greenthread counts as busy from that moment, the test's too: until it
resumes, its time stands still.
"""

from __future__ import annotations

import typing as ty

from eventlet import event
from eventlet import hubs

from oslo_loopingcall._backends import contract
from oslo_loopingcall._backends import virtual


class _NoTimer:
    """A parked loop's timer in virtual time: the clock wakes it."""

    @staticmethod
    def cancel() -> None:
        pass


class GreenVirtualBackend(virtual.VirtualBackend):
    """Virtual time in front of the eventlet backend."""

    def __init__(self, real: contract.Backend, start: float = 0.0,
                 autojump: bool = True) -> None:
        super().__init__(real, start, autojump)
        self._hub = hubs.get_hub()
        #: The greenthreads of loops started under virtual time.
        self._loop_threads: set[ty.Any] = set()
        #: How many of them are neither idle nor waiting.
        self._busy = 0
        self._jump_scheduled = False

    def new_done(self) -> ty.Any:
        return GreenDone(self)

    def spawn(self, loop: contract.Loop, run: ty.Callable[[ty.Any], ty.Any],
              args: ty.Any) -> None:
        def run_counted(args: ty.Any) -> ty.Any:
            try:
                return run(args)
            finally:
                with self._lock:
                    self._loop_threads.discard(thread)
                    self._busy -= 1
                    self._may_jump()

        with self._lock:
            # Busy from now on: ready to run.
            self._busy += 1
        self.real.spawn(loop, run_counted, args)
        thread = loop.thread
        self._loop_threads.add(thread)

    def idle_until(self, loop: contract.Loop, deadline: float,
                   seconds: float) -> None:
        context = self.real.current()
        counted = context in self._loop_threads
        abort = loop.abort
        with self._lock:
            sleeper = self._push(loop, deadline, seconds, context)
            if sleeper is None:
                return
            if counted:
                self._busy -= 1
            self._may_jump()
            abort.park(_NoTimer, context)
        try:
            hubs.get_hub().switch()
        finally:
            abort.unpark()
            with self._lock:
                if not sleeper.woken:
                    # Resumed by something else (a kill): busy again.
                    self._unpark(sleeper)
                    self._busy += 1 if counted else 0
                elif not counted:
                    # The test (a retry in it) runs again: no longer a
                    # reason for the clock to wait.
                    self._busy -= 1
                    self._may_jump()

    def stop(self, loop: contract.Loop) -> None:
        with self._lock:
            sleeper = self._parked.get(loop)
            if sleeper is not None:
                self._woken(sleeper)
            self.real.stop(loop)

    def begin_wait(self, waiters: list[virtual.Waiter]) -> virtual.Waiter:
        """The current greenthread starts waiting for a loop's outcome."""
        with self._lock:
            waiter = virtual.Waiter(
                self.real.current() in self._loop_threads)
            waiters.append(waiter)
            if waiter.loop:
                self._busy -= 1
            self._may_jump()
        return waiter

    def delivered(self, waiters: list[virtual.Waiter]) -> None:
        """The outcome is delivered: each waiter is ready from now on."""
        with self._lock:
            for waiter in waiters:
                waiter.delivered = True
                self._busy += 1
            del waiters[:]

    def end_wait(self, waiters: list[virtual.Waiter],
                 waiter: virtual.Waiter) -> None:
        """The waiter runs again, with the outcome or without (a timeout)."""
        with self._lock:
            if not waiter.delivered:
                waiters.remove(waiter)
                self._busy += 1 if waiter.loop else 0
            elif not waiter.loop:
                self._busy -= 1
                self._may_jump()

    def _woken(self, sleeper: virtual.Sleeper) -> None:
        # Ready from now on, until it runs.
        self._unpark(sleeper)
        self._busy += 1

    def _wake(self, sleeper: virtual.Sleeper) -> None:
        self._woken(sleeper)
        self._hub.schedule_call_global(0, _resume, sleeper.loop.abort,
                                       sleeper.context)

    def _may_jump(self) -> None:
        if self.autojump and not self._paused and not self._jump_scheduled:
            self._jump_scheduled = True
            # From the hub, after every greenthread that is ready now has
            # run: only then is it known whether all loops are idle.
            self._hub.schedule_call_global(0, self._jump_if_idle)

    def _jump_if_idle(self) -> None:
        with self._lock:
            self._jump_scheduled = False
            if self._busy <= 0 and not self._paused:
                self._jump()


def _resume(abort: ty.Any, context: ty.Any) -> None:
    # Straight from the hub into the loop, as a timer would: woken loops
    # run as soon as the test yields. Unless stop() resumed it already.
    if abort.sleeper is context:
        abort.unpark()
        context.switch()


class GreenDone(event.Event):  # type: ignore[misc]
    """A done event that tells virtual time who waits for it."""

    def __init__(self, backend: GreenVirtualBackend) -> None:
        super().__init__()
        self._virtual = backend
        self._virtual_waiters: list[virtual.Waiter] = []

    def send(self, result: ty.Any = None, exc: ty.Any = None) -> None:
        # send_exception() comes here too.
        self._virtual.delivered(self._virtual_waiters)
        super().send(result, exc)

    def wait(self, timeout: float | None = None) -> ty.Any:
        if self.ready():
            return super().wait(timeout)
        waiter = self._virtual.begin_wait(self._virtual_waiters)
        try:
            return super().wait(timeout)
        finally:
            self._virtual.end_wait(self._virtual_waiters, waiter)


#: What the mode state puts in front of this mode's backend.
IN_FRONT = GreenVirtualBackend

if ty.TYPE_CHECKING:
    # mypy checks that it satisfies the contract.
    _CHECKED: contract.Backend = GreenVirtualBackend(
        ty.cast(contract.Backend, None))
