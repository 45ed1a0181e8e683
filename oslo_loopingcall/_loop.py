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

"""LoopingCallBase: the one loop every kind of looping call runs.

Public in :mod:`oslo_loopingcall.loopingcall`, with the four kinds, which
each supply only an idle policy (:mod:`._policies`).
"""

# Shape: LoopingCallBase owns the loop (scheduling, timing, logging,
# delivering the result). Each concrete looping call only supplies an idle
# policy (oslo_loopingcall._policies). Everything that depends on the mode
# (spawning, the clock, idling, waking, waiting) goes through the backend
# contract (oslo_loopingcall._backends.contract), so that eventlet,
# native threads and virtual time all run this same loop.
#
# The schedule (LoopingCallBase._schedule): each run is due at a time; the
# idle time the policy returns is measured from the end of the run. A
# policy with a fixed interval (``catch_up``) keeps run k due at start +
# k * interval: a run that started late by less than an interval is made
# up by idling that much less, so lateness never adds up into drift; a run
# later than that (a stalled hub, a busy CPU) restarts the schedule from
# itself, so there is never a burst of runs to catch up (D21). The same
# arithmetic runs whatever the clock (real or virtual) and the seams; only
# the final wait differs: until the due time through the backend, or the
# policy's idle time through a patched ``_sleep`` or abort ``wait()`` seam,
# as the reference passed it.

from __future__ import annotations

import time
import types
import typing as ty

from oslo_log import log as logging
from oslo_utils import timeutils

from oslo_loopingcall._backends import loops as _loops
from oslo_loopingcall._backends import mode as _mode
from oslo_loopingcall import _checks
from oslo_loopingcall import _exceptions
from oslo_loopingcall import _naming
from oslo_loopingcall import _policies
from oslo_loopingcall import _stats as _loopstats

__all__ = ['IdleFor', 'LoopingCallBase']

# The public module's logger: its records are named as users expect.
LOG = logging.getLogger('oslo_loopingcall.loopingcall')

_DONE_TYPES = _exceptions.DONE_TYPES
_TRACE = logging.TRACE
_RUNNING = _loopstats.RUNNING
_SLEEPING = _loopstats.SLEEPING

IdleFor = ty.Callable[[ty.Any, float], ty.Any]


class LoopingCallBase:
    """Base class of the looping calls: runs ``f(*args, **kw)`` in a loop.

    The loop runs in its own greenthread (or, in native-thread mode, its
    own thread: see :mod:`oslo_loopingcall.backend`); :meth:`wait` (or the
    event that ``start()`` returns, also :attr:`done`) gives its result: the
    ``retvalue`` of a :class:`LoopingCallDone` raised by ``f``, ``True``
    after :meth:`stop`, or the exception that ended the loop.

    Subclasses supply only an idle policy, through
    ``self._start(idle_for, initial_delay=..., stop_on_exception=...)``.

    Test seams, kept from ``oslo_service.loopingcall``: patching
    :meth:`_sleep` (every idle period), :meth:`_elapsed` (every measured
    run time) or, in eventlet mode,
    ``oslo_utils.eventletutils.EventletEvent.wait`` controls all loops.
    """

    _KIND = 'Unknown looping call'
    _RUN_ONLY_ONE_MESSAGE = ('A looping call can only run one function'
                             ' at a time')

    def __init__(self, f: ty.Callable[..., ty.Any] | None = None,
                 *args: ty.Any, **kw: ty.Any) -> None:
        self.args = args
        self.kw = kw
        self.f = f
        backend = _mode.get()
        # The current or last run, as its backend sees it; each start()
        # makes a new one. Before the first: no thread, no done event.
        self._handle = _loops.Handle(None, self._KIND, backend,
                                     backend.new_abort(),
                                     _loopstats.NOT_STARTED)

    # The reference's attributes, read from the current run's handle.

    @property
    def done(self) -> ty.Any:
        """The done event of the current or last run.

        What ``start()`` returned; None before the first ``start()``.
        """
        return self._handle.done

    @done.setter
    def done(self, value: ty.Any) -> None:
        self._handle.done = value

    @property
    def _thread(self) -> ty.Any:
        return self._handle.thread

    @_thread.setter
    def _thread(self, value: ty.Any) -> None:
        self._handle.thread = value

    @property
    def _abort(self) -> ty.Any:
        return self._handle.abort

    @property
    def _backend(self) -> ty.Any:
        return self._handle.backend

    @property
    def _stats(self) -> _loopstats.LoopStats:
        stats: _loopstats.LoopStats = self._handle.stats
        return stats

    @property
    def kwargs(self) -> dict[str, ty.Any]:
        """The keyword arguments for ``f``: the same dict as :attr:`kw`.

        (oslo.service's threading backend calls them ``kwargs``.)
        """
        return self.kw

    @kwargs.setter
    def kwargs(self, value: dict[str, ty.Any]) -> None:
        self.kw = value

    @property
    def _running(self) -> bool:
        return not self._abort.is_set()

    @property
    def statistics(self) -> types.MappingProxyType[str, ty.Any]:
        """What the loop did so far: a read-only snapshot (a new mapping).

        Cheap, and safe to take from any thread at any time; it keeps its
        values after the loop ends, and starts afresh at the next
        ``start()``. Times are seconds on the loop's clock (the monotonic
        clock, or the virtual one under
        :class:`~oslo_loopingcall.fixture.VirtualTimeFixture`); the
        ``*_wall`` keys give the same instants as ``time.time()`` values.
        :doc:`/user/observing` lists the keys.
        """
        handle = self._handle
        now, wall = handle.backend.now(), time.time()
        return self._stats.snapshot(now, wall, handle.abort.is_set(),
                                    handle.done)

    def __repr__(self) -> str:
        handle = self._handle
        stats = handle.stats
        state = stats.current_state(handle.abort.is_set(), handle.done)
        f = self.f
        parts = [type(self).__name__,
                 repr(_naming.callable_name(f)) if f is not None else 'f=None',
                 state]
        interval = _loopstats.interval_of(stats.policy)
        due = stats.next_run_at
        if interval is not None:
            parts.append(f'interval={_seconds(interval)}')
        elif due is not None and state == _SLEEPING:
            parts.append(
                f'next_run_in={_seconds(due - handle.backend.now())}')
        return f'<{" ".join(parts)}>'

    def stop(self) -> None:
        """Ask the loop to stop; an idle loop wakes up at once.

        A run of ``f`` in progress is not interrupted: the loop ends when it
        returns, and :meth:`wait` then returns ``True`` (or what ``f``
        raised). Stopping twice, or a loop that has ended, is harmless.
        """
        handle = self._handle
        if not handle.abort.is_set():
            handle.backend.stop(handle)

    def wait(self) -> ty.Any:
        """Block until the loop ends; return its result or raise its error.

        :raises RuntimeError: when called from inside ``f`` itself, which
            could never return.
        """
        handle = self._handle
        thread = handle.thread
        if thread is not None and thread is handle.backend.current():
            raise RuntimeError(
                'wait() called from inside the looping call it waits for; '
                'raise LoopingCallDone or call stop() instead')
        return handle.backend.wait(handle)

    def _sleep(self, timeout: float) -> None:
        """Idle for ``timeout`` seconds, or until :meth:`stop` is called.

        Not called while no seam is patched: the loop then idles until each
        run's due time through its backend (see :meth:`_run_loop`).
        """
        self._abort.wait(timeout if timeout > 0 else 0)

    def _elapsed(self, watch: timeutils.StopWatch) -> float:
        """Return the run time measured by ``watch``."""
        return watch.elapsed()

    def _on_done(self, *args: ty.Any, **kwargs: ty.Any) -> None:
        """Called once when the loop has ended and its outcome is delivered.

        As both of oslo.service's backends call it: with the loop's
        greenthread in eventlet mode (a link), with its done event in
        native-thread mode (a future's callback; it has ``result()``). A
        subclass may override it to clean up or to count; the loop has
        forgotten its greenthread or thread already. Only a subclass's
        override is called: the loop pays nothing for it otherwise.
        """

    def _start(self, idle_for: IdleFor, initial_delay: float | None = None,
               stop_on_exception: bool = True) -> ty.Any:
        """Start the loop in a new greenthread (or thread).

        :param idle_for: callable ``idle_for(result, elapsed)`` returning
            how long to idle after a run that returned ``result`` and took
            ``elapsed`` seconds.
        :param initial_delay: seconds to wait before the first run.
        :param stop_on_exception: whether an exception from ``f`` ends the
            loop (otherwise it is logged and the loop goes on).
        :returns: the done event.
        """
        # Everything that can fail comes first: a start() that raises
        # leaves the loop as it was, and settles no mode (D25).
        _checks.callable_f(self.f)
        initial_delay = _checks.seconds(
            'initial_delay', initial_delay, allow_none=True)
        # Under a name that says which loop it runs, for stack dumps.
        run = _naming.labelled(_run_spawned, self.f)
        backend = _mode.use()
        # Native threads could otherwise both pass the check below and
        # start one loop twice.
        with backend.start_lock:
            previous = self._handle
            if previous.thread is not None:
                raise RuntimeError(self._RUN_ONLY_ONE_MESSAGE)
            stopped = previous.abort.is_set()
            handle = self._new_run(backend, idle_for, initial_delay,
                                   stop_on_exception)
            handle.done = backend.new_done()
            # Before it runs: f may stop() its own loop at once.
            self._handle = handle
            handle.listed()
            try:
                # The handle is the run's argument: no tuple of them is
                # kept for every idle loop.
                backend.spawn(handle, run, handle)
            except BaseException:
                # Such as "can't start new thread": as if never started.
                handle.release()
                self._handle = previous
                if stopped:
                    previous.abort.set()
                raise
            return handle.done

    def _new_run(self, backend: ty.Any, idle_for: ty.Any,
                 initial_delay: float | None = None,
                 stop_on_exception: bool = True) -> _loops.Handle:
        """The handle of a new run of the loop, on ``backend``.

        It holds all the run needs: the policy (``stats.policy``), the
        initial delay and what an exception from ``f`` does.
        """
        previous = self._handle
        # The loop keeps its abort flag from one run to the next (tests
        # wrap its wait() before start()); a loop built before the mode
        # was chosen, or before virtual time was put in front, gets one
        # of its backend's.
        abort = previous.abort
        if previous.backend is backend:
            abort.clear()
        else:
            abort = backend.new_abort()
        now = backend.now()
        stats = _loopstats.LoopStats(now, idle_for)
        # Waiting for its first run from now on.
        stats.state, stats.next_run_at = _SLEEPING, now + (initial_delay or 0)
        begin = getattr(idle_for, 'begin', None)
        if begin is not None:
            begin(backend.now, stats)
        on_done = None if type(self)._on_done is _BASE_ON_DONE else (
            self._on_done)
        handle = _loops.Handle(self, self._KIND, backend, abort, stats,
                               on_done=on_done)
        handle.initial_delay = initial_delay
        handle.stop_on_exception = stop_on_exception
        return handle

    def _run_inline(self, idle_for: IdleFor,
                    stop_on_exception: bool = True) -> ty.Any:
        """Run the loop in the calling greenthread and return its result.

        Exceptions reach the caller without being logged: they are the
        caller's to handle.
        """
        _checks.callable_f(self.f)
        handle = self._handle = self._new_run(
            _mode.use(), idle_for, stop_on_exception=stop_on_exception)
        try:
            return self._run_loop(handle, quiet=True)
        finally:
            handle.release()

    def _run_loop(self, handle: _loops.Handle, quiet: bool = False
                  ) -> ty.Any:
        """Run ``f`` on its schedule until it ends; return the result.

        The result is the ``retvalue`` of a :class:`LoopingCallDone`, or
        True after :meth:`stop`; anything else that ends the loop is logged
        (unless ``quiet``) and raised.
        """
        stats = handle.stats
        try:
            self._schedule(handle)
        except _DONE_TYPES as done:
            stats.state = _loopstats.DONE
            return done.retvalue
        except BaseException as exc:
            stats.state = _loopstats.FAILED
            if not quiet and not isinstance(exc,
                                            handle.backend.exit_exceptions):
                # A kill or an interpreter exit is not a failure of f.
                self._log_failed()
            raise
        stats.state = _loopstats.DONE
        return True

    def _schedule(self, handle: _loops.Handle) -> None:
        """Run ``f`` on its schedule until stopped (or an exception).

        See "The schedule" at the top of this module.
        """
        f: ty.Callable[..., ty.Any] = self.f  # type: ignore[assignment]
        # No bound method kept here (backend.idle_until, say): one more
        # object per idle loop for every full garbage collection to visit.
        abort, backend, stats = handle.abort, handle.backend, handle.stats
        idle_for, initial_delay = stats.policy, handle.initial_delay
        now = backend.now
        catch_up = getattr(idle_for, 'catch_up', 0)
        cls, seam_class, seam_wait = type(self), backend.seam_class, \
            backend.seam_wait
        base_sleep, base_elapsed = self._unpatched_seams()
        logger = LOG.logger
        stats.next_run_at = due = now() + (initial_delay or 0)
        # The initial delay is the first idle; None: run at once.
        idle: float | None = initial_delay or None
        while True:
            if idle is not None:
                # SPEED: unpatched, no StopWatch and no _sleep() call; a
                # period 10.5 vs 30.0 us (eventlet, +-2), 2.8 vs 7.2 us
                # (threads, +-1.4), A/B 5 rounds. Checked every period: a
                # patch applied to a running loop takes effect.
                if cls._sleep is base_sleep and seam_class.wait is seam_wait:
                    backend.idle_until(handle, due, idle)
                else:
                    self._sleep(idle)
            if abort.is_set():
                return
            started = now()
            stats.state = _RUNNING
            timed = cls._elapsed is base_elapsed
            watch = None if timed else timeutils.StopWatch().start()
            try:
                result, ok = f(*self.args, **self.kw), True
            except BaseException as exc:
                if self._ends_loop(stats, exc, handle.stop_on_exception,
                                   now() - started):
                    raise
                ok = False
            ended = now()
            ran = ended - started
            # A patched _elapsed seam tells the policy, as in the
            # reference; the statistics keep to the clock (D25).
            elapsed = ran if timed else self._measured(watch)
            # Before the stop check: a run that a stop() interrupted still
            # ran. (Inline stores saved 0.4 us, noise +-1 us: A/B 7 rounds.)
            stats.ran(ran)
            if abort.is_set():
                return
            idle = idle_for(result, elapsed) if ok else _policies.failed(
                idle_for, elapsed)
            due = _next_due(due, started, ended, idle, catch_up)
            stats.last_idle_seconds = due - ended
            stats.next_run_at, stats.state = due, _SLEEPING
            # SPEED: the level check, not _log_idle() with TRACE off: a
            # period 7.0 vs 11.2 us (eventlet, +-2.5), 1.8 vs 4.5 us
            # (threads, +-1.2), A/B 7 rounds.
            if logger.isEnabledFor(_TRACE):
                self._log_idle(f, idle)

    def _unpatched_seams(self) -> tuple[ty.Any, ty.Any]:
        """The genuine _sleep and _elapsed, None if patched on ``self``.

        Looked for once per run of the loop, without reading the instance
        dict, which would materialise one more object for every loop.
        """
        return (_BASE_SLEEP if self._inherits('_sleep') else None,
                _BASE_ELAPSED if self._inherits('_elapsed') else None)

    def _inherits(self, name: str) -> bool:
        """Whether ``self.name`` is its class's (no attribute of its own).

        Anything it cannot tell counts as the loop's own: that only ever
        sends the loop through its seams, which are always right.
        """
        attr = getattr(self, name)
        inherited = getattr(type(self), name, None)
        return attr is inherited or (
            getattr(attr, '__self__', None) is self and
            getattr(attr, '__func__', None) is inherited)

    def _measured(self, watch: ty.Any) -> float:
        """The run time, through the _elapsed seam."""
        watch.stop()
        return self._elapsed(watch)

    def _ends_loop(self, stats: _loopstats.LoopStats, exc: BaseException,
                   stop_on_exception: bool, elapsed: float) -> bool:
        """Whether ``exc`` from ``f`` ends the loop; logged if it does not.

        A run that ends the loop is counted on the clock alone (the
        reference never measures it through _elapsed).
        """
        if stop_on_exception or not isinstance(exc, Exception) or (
                isinstance(exc, _DONE_TYPES)):
            stats.ran(elapsed)
            return True
        stats.failures += 1
        self._log_failed()
        return False

    def _log_failed(self) -> None:
        """The reference's ERROR for the exception from ``f`` at hand."""
        LOG.error('%(kind)s %(func_name)r failed',
                  {'kind': self._KIND,
                   'func_name': _naming.callable_name(self.f)},
                  exc_info=True)

    def _log_idle(self, f: ty.Any, idle: float) -> None:
        LOG.trace('%(kind)s %(func_name)r sleeping for %(idle).02f seconds',
                  {'func_name': _naming.callable_name(f), 'idle': idle,
                   'kind': self._KIND})


_BASE_SLEEP = LoopingCallBase._sleep
_BASE_ELAPSED = LoopingCallBase._elapsed
_BASE_ON_DONE = LoopingCallBase._on_done


def _run_spawned(handle: _loops.Handle) -> ty.Any:
    """A loop in a greenthread or thread of its own: what spawn() runs."""
    return handle.owner._run_loop(handle)


def _next_due(due: float, started: float, ended: float, idle: float,
              catch_up: float) -> float:
    """When the run after one due at ``due`` is due (see "The schedule").

    The run started at ``started``, ended at ``ended`` and asked for
    ``idle`` seconds; lateness under ``catch_up`` is made up for.
    """
    late = started - due
    # A negative (or NaN) idle is no idle (D09): the next run is due at
    # once, and the statistics say so (D25).
    due = ended + idle if idle > 0 else ended
    if 0 < late < catch_up:
        due = max(due - late, ended)
    return due


def _seconds(value: float) -> str:
    """Seconds as repr() shows them: to the millisecond, no zeros after."""
    # + 0.0: no "-0" for a loop due less than half a millisecond ago.
    return f'{round(value, 3) + 0.0:g}'


# Documented and shown where users import it from.
LoopingCallBase.__module__ = 'oslo_loopingcall.loopingcall'
