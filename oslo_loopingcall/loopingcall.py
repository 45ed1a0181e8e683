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

"""Looping calls: run a function periodically, with back-off, or retry it.

This module is a drop-in replacement for ``oslo_service.loopingcall``: the
same classes, signatures, defaults, log messages and test seams.
"""

# Shape: LoopingCallBase owns the loop (spawning, sleeping, timing, logging,
# delivering the result). Each concrete looping call only supplies an idle
# policy: a small callable object that, given the last result of f and the
# time f took, returns how many seconds to idle before the next run. The
# policies (_FixedIntervalPolicy and friends) are tested on their own. How
# loops are spawned, sleep and are woken is the backend's business
# (oslo_loopingcall.backend).

from __future__ import annotations

import functools
import math
import numbers
import random
import time
import types
import typing as ty

from oslo_log import log as logging
from oslo_utils import excutils
from oslo_utils import reflection
from oslo_utils import timeutils

from oslo_loopingcall import _interop
from oslo_loopingcall import backend as _backends

__all__ = [
    'BackOffLoopingCall',
    'DynamicLoopingCall',
    'FixedIntervalLoopingCall',
    'FixedIntervalWithTimeoutLoopingCall',
    'LoopingCallBase',
    'LoopingCallDone',
    'LoopingCallTimeOut',
    'RetryDecorator',
]

LOG = logging.getLogger(__name__)

_TRACE = logging.TRACE
_DEBUG = logging.DEBUG

#: Seconds a :class:`DynamicLoopingCall` started with
#: ``stop_on_exception=False`` and no (positive) ``periodic_interval_max``
#: idles after ``f`` raised, so that a function that keeps failing cannot
#: turn the loop into a busy loop.
DYNAMIC_FAILURE_IDLE = 1.0

# The clock of run times, due times and timeouts (the eventlet hub's own
# clock by default); one module attribute so that tests can replace it.
_monotonic = time.monotonic

# The active oslo_loopingcall.fixture.VirtualTimeFixture, if any: loops
# started while it is set read its clock and sleep in its virtual time.
_virtual_time: ty.Any = None

IdleFor = ty.Callable[[ty.Any, float], ty.Any]
_F = ty.TypeVar('_F', bound=ty.Callable[..., ty.Any])


def _callable_name(f: ty.Any) -> str:
    """The name logs give ``f``: oslo.utils' name, as the reference's."""
    try:
        return reflection.get_callable_name(f)
    except (TypeError, AttributeError):
        # Callables oslo.utils cannot name (e.g. a function whose
        # __module__ is None) must not stop a loop from starting.
        return getattr(f, '__qualname__', None) or repr(f)


def _clock() -> ty.Callable[[], float]:
    """The monotonic clock loops started now run on."""
    virtual_time = _virtual_time
    return _monotonic if virtual_time is None else virtual_time.now


# With oslo.service installed, our exceptions derive from its own (see
# oslo_loopingcall._interop): ``except`` clauses naming either catch ours.
if ty.TYPE_CHECKING:
    _DoneBase = Exception
    _TimeOutBase = Exception
else:
    _DoneBase = _interop.DONE_BASE
    _TimeOutBase = _interop.TIMEOUT_BASE


class LoopingCallDone(_DoneBase):
    """Exception to break out and stop a LoopingCallBase.

    The poll-function passed to LoopingCallBase can raise this exception
    to break out of the loop normally. This is somewhat analogous to
    StopIteration.

    An optional return-value can be included as the argument to the
    exception; this return-value will be returned by
    LoopingCallBase.wait()
    """

    def __init__(self, retvalue: ty.Any = True) -> None:
        """:param retvalue: Value that LoopingCallBase.wait() should return."""
        self.retvalue = retvalue


class LoopingCallTimeOut(_TimeOutBase):
    """Exception for a timed out LoopingCall.

    The LoopingCall will raise this exception when a timeout is provided
    and it is exceeded.
    """


#: What ends a loop with its ``retvalue``: our LoopingCallDone and, when
#: oslo.service is installed, its own (whose instances have ``retvalue``
#: too), so that code raising either ends our loops alike.
_DONE_TYPES = ty.cast(
    'tuple[type[LoopingCallDone], ...]',
    (LoopingCallDone,) if _interop.DONE_BASE is Exception
    else (LoopingCallDone, _interop.DONE_BASE))


# -- argument checking ------------------------------------------------------

def _check_number(name: str, value: ty.Any, *, minimum: float | None = 0,
                  allow_none: bool = False, allow_inf: bool = False) -> None:
    """Reject a bad numeric argument with an error naming it and its value."""
    if value is None and allow_none:
        return
    # The common case in one comparison (NaN, negatives and infinity all
    # fail it): start() is on the path of every loop started.
    if type(value) in (int, float) and 0 <= value < math.inf and (
            minimum is None or minimum <= 0):
        return
    if type(value) not in (int, float) and (
            not isinstance(value, numbers.Real)):
        raise TypeError(f'{name} must be a real number, got {value!r}')
    if math.isnan(value):
        raise ValueError(f'{name} must be a number, got {value!r}')
    if not allow_inf and math.isinf(value):
        raise ValueError(f'{name} must be finite, got {value!r}')
    if minimum is not None and value < minimum:
        raise ValueError(
            f'{name} must be greater than or equal to {minimum}, '
            f'got {value!r}')


# -- idle policies ----------------------------------------------------------
#
# Each policy is called after every run of ``f`` as ``policy(result,
# elapsed)`` and returns the seconds to idle before the next run (or raises
# to end the loop). ``failed(elapsed)`` gives the idle time after a run whose
# exception was swallowed (``stop_on_exception=False``).


class _FixedIntervalPolicy:
    """Idle for what is left of ``interval`` after ``f`` ran."""

    __slots__ = ('interval', 'f')

    def __init__(self, interval: float, f: ty.Any) -> None:
        self.interval = interval
        # Named only when a warning needs it: the name is a string per
        # loop that an idle loop has no use for.
        self.f = f

    def __call__(self, result: ty.Any, elapsed: float) -> float:
        idle = self.interval - elapsed
        if idle >= 0:
            return idle
        if idle > -0.004:
            # Below the reference's warning threshold (an overrun that
            # rounds to 0.00 s): no need to pay for round() on every run of
            # a loop with interval 0.
            return 0
        # The warning threshold is the reference's (overruns of less than
        # 5 ms are not reported), but the sleep is no longer rounded.
        delay = round(-idle, 2)
        if delay > 0:
            LOG.warning('Function %(func_name)r run outlasted '
                        'interval by %(delay).2f sec',
                        {'func_name': _callable_name(self.f),
                         'delay': delay})
        return 0

    def failed(self, elapsed: float) -> float:
        return self(None, elapsed)


class _FixedIntervalWithTimeoutPolicy(_FixedIntervalPolicy):
    """A fixed interval that gives up ``timeout`` seconds after start()."""

    __slots__ = ('timeout', 'started_at', 'clock')

    def __init__(self, interval: float, f: ty.Any,
                 timeout: float, started_at: float,
                 clock: ty.Callable[[], float] | None = None) -> None:
        super().__init__(interval, f)
        self.timeout = timeout
        self.started_at = started_at
        self.clock = clock or _clock()

    def __call__(self, result: ty.Any, elapsed: float) -> float:
        idle = super().__call__(result, elapsed)
        if self.timeout > 0:
            elapsed_time = self.clock() - self.started_at
            if elapsed_time > self.timeout:
                raise LoopingCallTimeOut(
                    'Looping call timed out after %.02f seconds'
                    % elapsed_time)
        return idle


class _DynamicPolicy:
    """Idle for what ``f`` suggests, capped by ``periodic_interval_max``."""

    __slots__ = ('periodic_interval_max',)

    def __init__(self, periodic_interval_max: float | None) -> None:
        self.periodic_interval_max = periodic_interval_max

    def __call__(self, suggested_delay: ty.Any, elapsed: float) -> ty.Any:
        maximum = self.periodic_interval_max
        if suggested_delay is None:
            if maximum is None:
                raise RuntimeError(
                    DynamicLoopingCall._TASK_MISSING_SLEEP_VALUE_MESSAGE)
            return maximum
        if maximum is not None:
            return min(suggested_delay, maximum)
        return suggested_delay

    def failed(self, elapsed: float) -> float:
        # The reference idles 0 here, which busy-loops a failing function.
        return self.periodic_interval_max or DYNAMIC_FAILURE_IDLE


class _BackOffPolicy:
    """Exponential back-off with jitter while ``f`` returns something false.

    A true result idles ``starting_interval`` (jittered) and resets the
    back-off; a false one doubles the interval (jittered, bounded by
    ``min_interval`` and ``max_interval``). The loop times out once the time
    spent failing (run time of the failing calls plus the idle times) would
    exceed ``timeout``.
    """

    __slots__ = ('starting_interval', 'timeout', 'max_interval', 'jitter',
                 'min_interval', 'rng', 'interval', 'error_time')

    def __init__(self, starting_interval: float, timeout: float,
                 max_interval: float, jitter: float | None,
                 min_interval: float, rng: random.Random) -> None:
        self.starting_interval = starting_interval
        self.timeout = timeout
        self.max_interval = max_interval
        self.jitter = jitter
        self.min_interval = min_interval
        self.rng = rng
        self.interval = starting_interval
        self.error_time: float = 0

    def __call__(self, success: ty.Any, elapsed: float) -> float:
        jitter = self.jitter
        if jitter is None:
            jitter = random_jitter = 1.0
        else:
            random_jitter = abs(self.rng.gauss(jitter, 0.1))
        if success:
            self.interval = self.starting_interval
            self.error_time = 0
            return self.interval * random_jitter
        idle = max(self.interval * 2 * random_jitter, self.min_interval)
        idle = min(idle, self.max_interval)
        # The next interval grows by the mean jitter, not the random one, so
        # that the back-off grows at the requested rate.
        self.interval = max(self.interval * 2 * jitter, self.min_interval)
        # The run time of the failing call counts toward the budget, so that
        # a slow f cannot stretch it (the reference counted idle time only).
        self.error_time += elapsed
        if self.timeout > 0 and self.error_time + idle > self.timeout:
            raise LoopingCallTimeOut(
                'Looping call timed out after %.02f seconds'
                % (self.error_time + idle))
        self.error_time += idle
        return idle


# -- the loop ---------------------------------------------------------------


class LoopingCallBase:
    """Base class of the looping calls: runs ``f(*args, **kw)`` in a loop.

    The loop runs in its own greenthread (or, in native-thread mode, its
    own thread: see :mod:`oslo_loopingcall.backend`); :meth:`wait` (or the
    event that ``start()`` returns, also :attr:`done`) gives its result: the
    ``retvalue`` of a :class:`LoopingCallDone` raised by ``f``, ``True``
    after :meth:`stop`, or the exception that ended the loop.

    Subclasses supply only an idle policy, through
    ``self._start(idle_for, initial_delay=..., stop_on_exception=...)``.

    Test seams, kept from ``oslo_service.loopingcall``: every idle period
    goes through :meth:`_sleep` and every measured run time through
    :meth:`_elapsed`; patching either (or, in eventlet mode,
    ``oslo_utils.eventletutils.EventletEvent.wait``) controls all loops.
    """

    _KIND = 'Unknown looping call'
    _RUN_ONLY_ONE_MESSAGE = ('A looping call can only run one function'
                             ' at a time')

    def __init__(self, f: ty.Callable[..., ty.Any] | None = None,
                 *args: ty.Any, **kw: ty.Any) -> None:
        self.args = args
        self.kw = kw
        self.f = f
        self._thread: ty.Any = None
        #: The done event of the current or last run (what ``start()``
        #: returns); None before the first ``start()``.
        self.done: ty.Any = None
        self._backend = _backends._get()
        self._abort = self._backend.new_abort()

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

    def stop(self) -> None:
        """Ask the loop to stop; a sleeping loop wakes up at once.

        A run of ``f`` in progress is not interrupted: the loop ends when it
        returns, and :meth:`wait` then returns ``True`` (or what ``f``
        raised). Stopping twice, or a loop that has ended, is harmless.
        """
        if self._running:
            self._backend.stop(self)

    def wait(self) -> ty.Any:
        """Block until the loop ends; return its result or raise its error.

        :raises RuntimeError: when called from inside ``f`` itself, which
            could never return.
        """
        thread = self._thread
        if thread is not None and thread is self._backend.current():
            raise RuntimeError(
                'wait() called from inside the looping call it waits for; '
                'raise LoopingCallDone or call stop() instead')
        return self._backend.wait(self)

    def _sleep(self, timeout: float) -> None:
        """Idle for ``timeout`` seconds, or until :meth:`stop` is called."""
        virtual_time = _virtual_time
        if virtual_time is not None:
            virtual_time._sleep(self, timeout)
        else:
            self._abort.wait(timeout if timeout > 0 else 0)

    def _elapsed(self, watch: timeutils.StopWatch) -> float:
        """Return the run time measured by ``watch``."""
        return watch.elapsed()

    def _on_done(self, *args: ty.Any, **kwargs: ty.Any) -> None:
        """Forget the finished greenthread (kept for subclasses)."""
        self._thread = None

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
        backend = _backends._use()
        # Native threads could otherwise both pass the check below and
        # start one loop twice.
        with backend.start_lock:
            if self._thread is not None:
                raise RuntimeError(self._RUN_ONLY_ONE_MESSAGE)
            self._check_start(initial_delay)
            self._prepare(backend)
            backend.spawn(self, (idle_for, initial_delay, stop_on_exception))
            return self.done

    def _prepare(self, backend: ty.Any) -> None:
        # A loop built before the mode was chosen gets the right kind of
        # abort flag when it starts.
        if self._backend is not backend:
            self._backend = backend
            self._abort = backend.new_abort()
        else:
            self._abort.clear()

    def _check_start(self, initial_delay: ty.Any) -> None:
        if not callable(self.f):
            raise TypeError(
                f'f must be callable, got {self.f!r}')
        _check_number('initial_delay', initial_delay, allow_none=True)

    def _run_inline(self, idle_for: IdleFor,
                    stop_on_exception: bool = True) -> ty.Any:
        """Run the loop in the calling greenthread and return its result.

        Exceptions reach the caller without being logged: they are the
        caller's to handle.
        """
        self._check_start(None)
        self._prepare(_backends._use())
        return self._run_loop(idle_for, None, stop_on_exception, quiet=True)

    def _run_loop(self, idle_for: IdleFor, initial_delay: float | None = None,
                  stop_on_exception: bool = True,
                  quiet: bool = False) -> ty.Any:
        f = self.f
        assert f is not None  # checked by _check_start()
        kind = self._KIND
        cls = type(self)
        backend = self._backend
        abort = self._abort
        abort_type = type(abort)
        base_wait = backend.base_wait
        fast_event = backend.fast_waiter(abort)
        not_failures = backend.exit_exceptions
        virtual_time = _virtual_time
        if virtual_time is None:
            clock = _monotonic
        else:
            clock = virtual_time.now
            virtual_time._loop_started(self)
        logger = LOG.logger
        # A seam patched on this very instance (mock.patch.object(timer,
        # '_sleep')) is looked for once, as the loop starts: reading the
        # instance dict on every run would materialise one more object for
        # every loop.
        own_sleep = type(self._sleep) is types.MethodType
        own_elapsed = type(self._elapsed) is types.MethodType
        try:
            if initial_delay:
                self._sleep(initial_delay)
            # ``wake`` is when the current run was due to start. Sleeping
            # until the next due time, not for a fixed span after the
            # actual start, keeps late wake-ups (the hub's timer
            # granularity) from adding up into drift.
            wake = clock()
            while not abort.is_set():
                # Whether any timing or sleep seam is patched on the class
                # (or its bases), looked at every run so that a patch
                # applied while the loop runs still takes effect.
                fast_elapsed = own_elapsed and cls._elapsed is _BASE_ELAPSED
                fast = (fast_elapsed and own_sleep and
                        cls._sleep is _BASE_SLEEP and
                        abort_type.wait is base_wait and
                        virtual_time is None)
                if fast_elapsed:
                    started = clock()
                else:
                    watch = timeutils.StopWatch().start()
                try:
                    result = f(*self.args, **self.kw)
                    ok = True
                except Exception as exc:
                    if stop_on_exception or isinstance(exc, _DONE_TYPES):
                        raise
                    LOG.error('%(kind)s %(func_name)r failed',
                              {'kind': kind, 'func_name': _callable_name(f)},
                              exc_info=True)
                    ok = False
                if fast_elapsed:
                    ended = clock()
                    elapsed = ended - started
                else:
                    watch.stop()
                    elapsed = self._elapsed(watch)
                if abort.is_set():
                    break
                if ok:
                    idle = idle_for(result, elapsed)
                elif hasattr(idle_for, 'failed'):
                    idle = idle_for.failed(elapsed)
                else:
                    idle = idle_for(0, elapsed)
                if logger.isEnabledFor(_TRACE):
                    LOG.trace('%(kind)s %(func_name)r sleeping '
                              'for %(idle).02f seconds',
                              {'func_name': _callable_name(f), 'idle': idle,
                               'kind': kind})
                if fast:
                    # Fast path, taken only while no test has patched a
                    # sleep or timing seam (_sleep, _elapsed, the abort
                    # flag's wait): the backend's cheapest wait that stop()
                    # interrupts, until the due time (``idle`` minus how
                    # late this run started). A patched seam sees the
                    # exact idle time instead.
                    wake = ended + idle - (started - wake)
                    if wake < ended - _CATCH_UP:
                        # Late by more than the hub's timer granularity:
                        # forgive it rather than run back to back.
                        wake = ended
                    fast_event.wait(wake - ended if wake > ended else 0)
                else:
                    self._sleep(idle)
                    wake = clock()
        except _DONE_TYPES as done:
            return done.retvalue
        except not_failures:
            # A kill or an interpreter exit, not a failure of f.
            raise
        except BaseException:
            if not quiet:
                LOG.error('%(kind)s %(func_name)r failed',
                          {'kind': kind, 'func_name': _callable_name(f)},
                          exc_info=True)
            raise
        finally:
            if virtual_time is not None:
                virtual_time._loop_finished(self)
        return True


#: Lateness (seconds) a loop still makes up for by starting its next run
#: early; beyond it the schedule restarts from now. One epoll tick: wake-ups
#: are rounded up to whole milliseconds.
_CATCH_UP = 0.001

_BASE_SLEEP = LoopingCallBase._sleep
_BASE_ELAPSED = LoopingCallBase._elapsed


class FixedIntervalLoopingCall(LoopingCallBase):
    """A fixed interval looping call.

    ``f`` starts every ``interval`` seconds: the time ``f`` takes is
    subtracted from the idle time. A run that outlasts the interval is
    reported (WARNING) and the next run starts at once.
    """

    _RUN_ONLY_ONE_MESSAGE = ('A fixed interval looping call can only run'
                             ' one function at a time')
    _KIND = 'Fixed interval looping call'

    def start(self, interval: float, initial_delay: float | None = None,
              stop_on_exception: bool = True) -> ty.Any:
        """Start running ``f`` every ``interval`` seconds.

        :param interval: seconds from the start of one run to the start of
            the next.
        :param initial_delay: seconds to wait before the first run; by
            default ``f`` runs at once.
        :param stop_on_exception: when false, an exception from ``f`` is
            logged and the loop goes on.
        :returns: the done event (also :attr:`done`).
        :raises TypeError, ValueError: on a bad argument, before anything
            starts.
        :raises RuntimeError: if the loop is already running.
        """
        _check_number('interval', interval)
        return self._start(
            _FixedIntervalPolicy(interval, self.f),
            initial_delay=initial_delay,
            stop_on_exception=stop_on_exception)


class FixedIntervalWithTimeoutLoopingCall(LoopingCallBase):
    """A fixed interval looping call that gives up after ``timeout``.

    The timeout is measured on the monotonic clock from the call to
    :meth:`start` (initial delay included), and checked after each run:
    ``f`` always runs at least once, and the loop may overshoot the timeout
    by up to one interval plus one run.
    """

    _RUN_ONLY_ONE_MESSAGE = ('A fixed interval looping call with timeout'
                             ' checking and can only run one function at'
                             ' at a time')
    _KIND = 'Fixed interval looping call with timeout checking.'

    def start(self, interval: float, initial_delay: float | None = None,
              stop_on_exception: bool = True, timeout: float = 0) -> ty.Any:
        """Start running ``f`` every ``interval`` seconds until ``timeout``.

        :param timeout: seconds after which the loop ends with
            :class:`LoopingCallTimeOut`; 0 or less means no timeout.

        The other parameters are those of
        :meth:`FixedIntervalLoopingCall.start`.
        """
        _check_number('interval', interval)
        _check_number('timeout', timeout, minimum=None, allow_inf=True)
        return self._start(
            _FixedIntervalWithTimeoutPolicy(
                interval, self.f, timeout, _clock()()),
            initial_delay=initial_delay,
            stop_on_exception=stop_on_exception)


class DynamicLoopingCall(LoopingCallBase):
    """A looping call which sleeps until the next known event.

    The function called should return how long to sleep for before being
    called again.
    """

    _RUN_ONLY_ONE_MESSAGE = ('A dynamic interval looping call can only run'
                             ' one function at a time')
    _TASK_MISSING_SLEEP_VALUE_MESSAGE = (
        'A dynamic interval looping call should supply either an'
        ' interval or periodic_interval_max')
    _KIND = 'Dynamic interval looping call'

    def start(self, initial_delay: float | None = None,
              periodic_interval_max: float | None = None,
              stop_on_exception: bool = True) -> ty.Any:
        """Start running ``f``, idling what it returns between runs.

        :param initial_delay: seconds to wait before the first run.
        :param periodic_interval_max: upper bound of the idle time; also the
            idle time when ``f`` returns None. Without it, ``f`` returning
            None ends the loop with :class:`RuntimeError`.
        :param stop_on_exception: when false, an exception from ``f`` is
            logged and the loop idles ``periodic_interval_max`` (or
            :data:`DYNAMIC_FAILURE_IDLE` seconds) before the next run.
        :returns: the done event (also :attr:`done`).
        """
        _check_number('periodic_interval_max', periodic_interval_max,
                      allow_none=True, allow_inf=True)
        return self._start(_DynamicPolicy(periodic_interval_max),
                           initial_delay=initial_delay,
                           stop_on_exception=stop_on_exception)


class BackOffLoopingCall(LoopingCallBase):
    """Run a method in a loop with backoff on error.

    The passed in function should return True (no error, return to
    ``starting_interval``), False (error, start backing off), or raise
    LoopingCallDone(retvalue=None) (quit looping, return retvalue if set).

    When there is an error, the call will backoff on each failure. The
    backoff will be equal to double the previous base interval times some
    jitter. If the time spent failing plus the next backoff would exceed
    ``timeout``, the loop ends at once with :class:`LoopingCallTimeOut`, so
    it spends at most ``timeout`` seconds failing (plus the run time of its
    last attempt).

    When the function return value is True or False, the interval will be
    multiplied by a random jitter. If jitter is None, there will be no
    jitter (jitter=1). If the jitter is under 0.5, the interval will shrink
    toward ``min_interval`` on each failure.
    """

    _RNG = random.SystemRandom()
    _KIND = 'Dynamic backoff interval looping call'
    _RUN_ONLY_ONE_MESSAGE = ('A dynamic backoff interval looping call can'
                             ' only run one function at a time')

    _policy: _BackOffPolicy | None = None

    @property
    def _error_time(self) -> float:
        return self._policy.error_time if self._policy else 0

    @property
    def _interval(self) -> float:
        return self._policy.interval if self._policy else 1

    def start(self, initial_delay: float | None = None,
              starting_interval: float = 1, timeout: float = 300,
              max_interval: float = 300, jitter: float | None = 0.75,
              min_interval: float = 0.001) -> ty.Any:
        """Start running ``f``, backing off while it returns false.

        :param initial_delay: seconds to wait before the first run.
        :param starting_interval: idle time after a success, and the base
            of the back-off.
        :param timeout: seconds of failing after which the loop ends with
            :class:`LoopingCallTimeOut`; 0 or less means never.
        :param max_interval: upper bound of an idle time after a failure.
        :param jitter: mean of the random factor applied to each idle time;
            None means no jitter.
        :param min_interval: lower bound of an idle time after a failure.
        :returns: the done event (also :attr:`done`).
        """
        if self._thread is not None:
            raise RuntimeError(self._RUN_ONLY_ONE_MESSAGE)
        _check_number('starting_interval', starting_interval)
        _check_number('timeout', timeout, minimum=None, allow_inf=True)
        _check_number('max_interval', max_interval, allow_inf=True)
        _check_number('jitter', jitter, minimum=None, allow_none=True)
        _check_number('min_interval', min_interval)
        rng = self._RNG
        if _virtual_time is not None:
            rng = _virtual_time._rng(rng)
        policy = _BackOffPolicy(starting_interval, timeout, max_interval,
                                jitter, min_interval, rng)
        event = self._start(policy, initial_delay=initial_delay)
        self._policy = policy
        return event


class RetryDecorator:
    """Decorator for retrying a function upon suggested exceptions.

    The decorated function is retried for the given number of times, and
    the sleep time between the retries is incremented until max sleep
    time is reached. If the max retry count is set to -1, then the
    decorated function is invoked indefinitely until an exception is
    thrown, and the caught exception is not in the list of suggested
    exceptions.

    Each call has its own retry budget and sleep progression, and runs the
    function in the calling greenthread (or thread). ``_retry_count`` and
    ``_sleep_time`` report the most recent call.
    """

    def __init__(self, max_retry_count: float = -1,
                 inc_sleep_time: float = 10,
                 max_sleep_time: float | None = 60,
                 exceptions: type[BaseException] | tuple[
                     type[BaseException], ...] = ()) -> None:
        """Configure the retry object using the input params.

        :param max_retry_count: maximum number of times the given
            function must be retried when one of the input 'exceptions'
            is caught. When set to -1, it will be retried indefinitely
            until an exception is thrown and the caught exception is not
            in param exceptions.
        :param inc_sleep_time: incremental time in seconds for sleep
            time between retries
        :param max_sleep_time: max sleep time in seconds beyond which
            the sleep time will not be incremented using param
            inc_sleep_time. On reaching this threshold, max_sleep_time
            will be used as the sleep time.
        :param exceptions: suggested exceptions for which the function
            must be retried, if no exceptions are provided (the default)
            then all exceptions will be reraised, and no retrying will
            be triggered.
        :raises TypeError, ValueError: on a bad argument.
        """
        _check_number('max_retry_count', max_retry_count, minimum=None)
        if max_retry_count != int(max_retry_count):
            # 3.0 counts as 3 (the reference accepts it); 1.5 is a mistake.
            raise TypeError(
                f'max_retry_count must be a whole number, got '
                f'{max_retry_count!r}')
        if max_retry_count < 0 and max_retry_count != -1:
            raise ValueError(
                f'max_retry_count must be -1 (retry forever) or at least 0, '
                f'got {max_retry_count!r}')
        _check_number('inc_sleep_time', inc_sleep_time)
        _check_number('max_sleep_time', max_sleep_time, allow_none=True,
                      allow_inf=True)
        classes = exceptions if isinstance(exceptions, tuple) else (
            exceptions,)
        for cls in classes:
            if not (isinstance(cls, type) and
                    issubclass(cls, BaseException)):
                raise TypeError(
                    f'exceptions must be an exception class or a tuple of '
                    f'them, got {exceptions!r}')
        self._max_retry_count: float = max_retry_count
        self._inc_sleep_time: float = inc_sleep_time
        self._max_sleep_time: float | None = max_sleep_time
        self._exceptions: type[BaseException] | tuple[
            type[BaseException], ...] = exceptions
        self._retry_count: int = 0
        self._sleep_time: float = 0

    def __call__(self, f: _F) -> _F:
        func_name = _callable_name(f)

        @functools.wraps(f)
        def func(*args: ty.Any, **kwargs: ty.Any) -> ty.Any:
            if LOG.logger.isEnabledFor(_DEBUG):
                LOG.debug("Waiting for function %s to return.", func_name)
            self._retry_count = 0
            self._sleep_time = 0
            # The first attempt runs without any loop machinery, so a call
            # that succeeds at once costs next to nothing; only a retry
            # builds the DynamicLoopingCall.
            try:
                return f(*args, **kwargs)
            except self._exceptions:
                attempt = _RetryAttempt(self, f, func_name, args, kwargs)
                attempt.failed()
                attempt.pending = True
                loop = self._create_dynamic_looping_call(attempt)
                return loop._run_inline(
                    _DynamicPolicy(self._max_sleep_time))
            except _DONE_TYPES as done:
                return done.retvalue

        return ty.cast(_F, func)

    def _create_dynamic_looping_call(self, func: ty.Callable[..., ty.Any],
                                     *args: ty.Any, **kwargs: ty.Any
                                     ) -> DynamicLoopingCall:
        """The DynamicLoopingCall that runs the retries of one call."""
        return DynamicLoopingCall(func, *args, **kwargs)


class _RetryAttempt:
    """One call of a function decorated with :class:`RetryDecorator`.

    Used as the ``f`` of a :class:`DynamicLoopingCall`: each run makes one
    attempt and returns the time to sleep before the next, or raises
    :class:`LoopingCallDone` with the result. It keeps the retry count and
    sleep progression of this call only.
    """

    __slots__ = ('decorator', 'f', 'func_name', 'args', 'kwargs',
                 'retry_count', 'sleep_time', 'pending')

    def __init__(self, decorator: RetryDecorator, f: ty.Callable[..., ty.Any],
                 func_name: str, args: tuple[ty.Any, ...],
                 kwargs: dict[str, ty.Any]) -> None:
        self.decorator = decorator
        self.f = f
        self.func_name = func_name
        self.args = args
        self.kwargs = kwargs
        self.retry_count = 0
        self.sleep_time: float = 0
        self.pending = False

    def __call__(self) -> float:
        if self.pending:
            # The first attempt already ran (and failed) before the loop
            # existed: this first run only hands its sleep to the loop.
            self.pending = False
            return self.sleep_time
        LOG.debug("Invoking %(func_name)s; retry count is "
                  "%(retry_count)d.",
                  {'func_name': self.func_name,
                   'retry_count': self.retry_count})
        try:
            result = self.f(*self.args, **self.kwargs)
        except self.decorator._exceptions:
            self.failed()
            return self.sleep_time
        raise LoopingCallDone(result)

    def failed(self) -> None:
        """Account for the exception being handled, or re-raise it."""
        decorator = self.decorator
        with excutils.save_and_reraise_exception() as ctxt:
            LOG.debug("Exception which is in the suggested list of "
                      "exceptions occurred while invoking function:"
                      " %s.",
                      self.func_name)
            if (decorator._max_retry_count != -1 and
                    self.retry_count >= decorator._max_retry_count):
                LOG.debug("Cannot retry %(func_name)s upon "
                          "suggested exception "
                          "since retry count (%(retry_count)d) "
                          "reached max retry count "
                          "(%(max_retry_count)d).",
                          {'retry_count': self.retry_count,
                           'max_retry_count': decorator._max_retry_count,
                           'func_name': self.func_name})
            else:
                ctxt.reraise = False
                self.retry_count += 1
                self.sleep_time += decorator._inc_sleep_time
                decorator._retry_count = self.retry_count
                decorator._sleep_time = self.sleep_time
