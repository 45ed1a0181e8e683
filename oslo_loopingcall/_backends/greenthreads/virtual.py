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

    def spawn(self, loop: contract.Loop, run: ty.Callable[[], ty.Any],
              done: ty.Any) -> None:
        def run_counted() -> ty.Any:
            try:
                return run()
            finally:
                with self._lock:
                    self._loop_threads.discard(thread)
                    self._busy -= 1
                    self._may_jump()

        with self._lock:
            # Busy from now on: ready to run.
            self._busy += 1
        self.real.spawn(loop, run_counted, done)
        thread = loop._thread
        self._loop_threads.add(thread)

    def idle_until(self, loop: contract.Loop, deadline: float,
                   seconds: float) -> None:
        context = self.real.current()
        counted = context in self._loop_threads
        abort = loop._abort
        with self._lock:
            sleeper = self._push(loop, deadline, seconds, context)
            if sleeper is None:
                return
            if counted:
                self._busy -= 1
            self._may_jump()
            abort._timer = _NoTimer
            abort._sleeper = context
        try:
            hubs.get_hub().switch()
        finally:
            abort._sleeper = None
            with self._lock:
                self._unpark(sleeper)
                if counted:
                    self._busy += 1

    def stop(self, loop: contract.Loop) -> None:
        with self._lock:
            sleeper = self._parked.get(loop)
            if sleeper is not None:
                self._unpark(sleeper)
            self.real.stop(loop)

    def blocked(self, waiting: bool) -> None:
        """The current greenthread starts or stops waiting for a loop."""
        if self.real.current() in self._loop_threads:
            with self._lock:
                self._busy += -1 if waiting else 1
                if waiting:
                    self._may_jump()

    def _wake(self, sleeper: virtual._Sleeper) -> None:
        self._unpark(sleeper)
        self._hub.schedule_call_global(0, _resume, sleeper.loop._abort,
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
    if abort._sleeper is context:
        abort._sleeper = None
        context.switch()


class GreenDone(event.Event):  # type: ignore[misc]
    """A done event whose waiters in loops let virtual time move."""

    def __init__(self, backend: GreenVirtualBackend) -> None:
        super().__init__()
        self._virtual = backend

    def wait(self, timeout: float | None = None) -> ty.Any:
        return virtual.wait_letting_time_move(
            self._virtual, self.ready(), super().wait, timeout)


#: What the mode state puts in front of this mode's backend.
IN_FRONT = GreenVirtualBackend

if ty.TYPE_CHECKING:
    # mypy checks that it satisfies the contract.
    _CHECKED: contract.Backend = GreenVirtualBackend(
        ty.cast(contract.Backend, None))
