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

"""Idle policies: how long each kind of looping call idles after a run.

A policy is called after every run of ``f`` as ``policy(result, elapsed)``
and returns the seconds to idle before the next run, measured from the end
of the run (or raises to end the loop). Optional members the loop uses:

* ``failed(elapsed)``: the idle time after a run whose exception was
  swallowed (``stop_on_exception=False``);
* ``catch_up``: the fixed-interval policies keep a schedule, and a run that
  started late by less than ``catch_up`` seconds is made up for by
  idling that much less (see ``LoopingCallBase._schedule``);
* ``begin(clock, stats)``: called as the loop starts, with the loop's
  clock and the statistics it keeps.

Policies are plain objects with no clock of their own (the timeout one is
given the loop's), tested on their own.
"""

from __future__ import annotations

import decimal
import numbers
import typing as ty

from oslo_log import log as logging

from oslo_loopingcall import _exceptions
from oslo_loopingcall import _naming

LOG = logging.getLogger('oslo_loopingcall.loopingcall')


class Gauss(ty.Protocol):
    """All BackOff asks of its random source (``random.Random`` has it)."""

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        """A random number from the normal distribution."""


#: Seconds a :class:`DynamicLoopingCall` started with
#: ``stop_on_exception=False`` and no (positive) ``periodic_interval_max``
#: idles after ``f`` raised, so that a function that keeps failing cannot
#: turn the loop into a busy loop.
DYNAMIC_FAILURE_IDLE = 1.0

#: Lateness a fixed-interval loop always makes up, even when its interval is
#: shorter: an eventlet hub polling file descriptors wakes up on whole
#: milliseconds, up to one late (plus the wake-up itself), and a 1 ms loop
#: that took that for a stall would drift by 10 % (benchmarks: +9 %
#: instead of +0.1 %).
TIMER_GRANULARITY = 0.002


def failed(policy: ty.Any, elapsed: float) -> ty.Any:
    """The idle time after a run whose exception was swallowed."""
    failed = getattr(policy, 'failed', None)
    # A policy of out-of-tree code: the reference idled what the policy
    # gives a result of 0.
    return failed(elapsed) if failed is not None else policy(0, elapsed)


class FixedInterval:
    """Idle for what is left of ``interval`` after ``f`` ran."""

    __slots__ = ('interval', 'catch_up', 'f', 'stats')

    def __init__(self, interval: float, f: ty.Any) -> None:
        self.interval = interval
        self.catch_up = max(interval, TIMER_GRANULARITY)
        # Named only when a warning needs it: the name is a string per
        # loop that an idle loop has no use for.
        self.f = f
        self.stats: ty.Any = None

    def begin(self, clock: ty.Callable[[], float], stats: ty.Any) -> None:
        """Count overruns in ``stats`` from now on."""
        self.stats = stats

    def __call__(self, result: ty.Any, elapsed: float) -> float:
        idle = self.interval - elapsed
        if idle >= 0:
            return idle
        if idle > -0.004:
            # Below the reference's warning threshold (an overrun that
            # rounds to 0.00 s): no need to pay for round() on every run of
            # a loop with interval 0.
            return 0
        self._overran(-idle)
        return 0

    def _overran(self, overrun: float) -> None:
        # The warning threshold is the reference's (overruns of less than
        # 5 ms are not reported), but the sleep is no longer rounded.
        delay = round(overrun, 2)
        if delay > 0:
            LOG.warning('Function %(func_name)r run outlasted '
                        'interval by %(delay).2f sec',
                        {'func_name': _naming.callable_name(self.f),
                         'delay': delay})
            if self.stats is not None:
                self.stats.overran(overrun)

    def failed(self, elapsed: float) -> float:
        return self(None, elapsed)


class FixedIntervalWithTimeout(FixedInterval):
    """A fixed interval that gives up ``timeout`` seconds after start()."""

    __slots__ = ('timeout', 'started_at', 'clock')

    def __init__(self, interval: float, f: ty.Any, timeout: float) -> None:
        super().__init__(interval, f)
        self.timeout = timeout
        self.clock: ty.Callable[[], float] = _never
        self.started_at = 0.0

    def begin(self, clock: ty.Callable[[], float], stats: ty.Any) -> None:
        """Start counting the timeout on ``clock``."""
        super().begin(clock, stats)
        self.clock = clock
        self.started_at = clock()

    def __call__(self, result: ty.Any, elapsed: float) -> float:
        idle = super().__call__(result, elapsed)
        if self.timeout > 0:
            elapsed_time = self.clock() - self.started_at
            if elapsed_time > self.timeout:
                raise _exceptions.LoopingCallTimeOut(
                    'Looping call timed out after %.02f seconds'
                    % elapsed_time)
        return idle


def _seconds(value: ty.Any) -> ty.Any:
    """What a dynamic ``f`` returned, as seconds the loop can add up.

    ``True`` is kept as it is (the reference hands it to ``_sleep``, P29);
    a ``Decimal`` or a ``Fraction`` counts as its value; anything else is
    a ``TypeError`` that ends the loop, as in the reference.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (numbers.Real, decimal.Decimal)):
        return float(value)
    raise TypeError(
        f'a dynamic looping call\'s function must return a number of '
        f'seconds or None, got {value!r}')


def _never() -> float:
    raise RuntimeError('the policy was not begun')


class Dynamic:
    """Idle for what ``f`` suggests, capped by ``periodic_interval_max``."""

    __slots__ = ('periodic_interval_max', 'missing_message')

    def __init__(self, periodic_interval_max: float | None,
                 missing_message: str) -> None:
        self.periodic_interval_max = periodic_interval_max
        self.missing_message = missing_message

    def __call__(self, suggested_delay: ty.Any, elapsed: float) -> ty.Any:
        maximum = self.periodic_interval_max
        if suggested_delay is None:
            if maximum is None:
                raise RuntimeError(self.missing_message)
            return maximum
        if type(suggested_delay) is not float and (
                type(suggested_delay) is not int):
            suggested_delay = _seconds(suggested_delay)
        if maximum is not None:
            return min(suggested_delay, maximum)
        return suggested_delay

    def failed(self, elapsed: float) -> float:
        # The reference idles 0 here, which busy-loops a failing function.
        return self.periodic_interval_max or DYNAMIC_FAILURE_IDLE


class BackOff:
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
                 min_interval: float, rng: Gauss) -> None:
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
            raise _exceptions.LoopingCallTimeOut(
                'Looping call timed out after %.02f seconds'
                % (self.error_time + idle))
        self.error_time += idle
        return idle
