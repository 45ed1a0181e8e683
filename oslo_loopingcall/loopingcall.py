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

from __future__ import annotations

import random
import typing as ty

from oslo_loopingcall import _checks
from oslo_loopingcall import _exceptions
from oslo_loopingcall import _loop
from oslo_loopingcall import _policies
from oslo_loopingcall import _retry

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

# The logger of the loops' records, as before LoopingCallBase moved out.
LOG = _loop.LOG

LoopingCallBase = _loop.LoopingCallBase
LoopingCallDone = _exceptions.LoopingCallDone
LoopingCallTimeOut = _exceptions.LoopingCallTimeOut
_DONE_TYPES = _exceptions.DONE_TYPES
DYNAMIC_FAILURE_IDLE = _policies.DYNAMIC_FAILURE_IDLE


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
        interval = _checks.seconds('interval', interval)
        return self._start(
            _policies.FixedInterval(interval, self.f),
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
        interval = _checks.seconds('interval', interval)
        timeout = _checks.seconds('timeout', timeout, allow_inf=True,
                                  negative=True)
        return self._start(
            _policies.FixedIntervalWithTimeout(interval, self.f, timeout),
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
        periodic_interval_max = _checks.seconds(
            'periodic_interval_max', periodic_interval_max, allow_none=True,
            allow_inf=True)
        return self._start(_policies.Dynamic(
            periodic_interval_max, self._TASK_MISSING_SLEEP_VALUE_MESSAGE),
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

    # oslo.service's state of the back-off, read from the run's policy.
    @property
    def _error_time(self) -> float:
        policy = self._stats.policy
        return policy.error_time if isinstance(
            policy, _policies.BackOff) else 0

    @property
    def _interval(self) -> float:
        policy = self._stats.policy
        return policy.interval if isinstance(policy, _policies.BackOff) else 1

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
        starting_interval = _checks.seconds('starting_interval',
                                            starting_interval)
        timeout = _checks.seconds('timeout', timeout, allow_inf=True,
                                  negative=True)
        max_interval = _checks.seconds('max_interval', max_interval,
                                       allow_inf=True)
        jitter = _checks.seconds('jitter', jitter, allow_none=True,
                                 negative=True)
        min_interval = _checks.seconds('min_interval', min_interval)
        policy = _policies.BackOff(starting_interval, timeout, max_interval,
                                   jitter, min_interval, self._RNG)
        return self._start(policy, initial_delay=initial_delay)


class RetryDecorator(_retry.Retrying):
    __doc__ = _retry.Retrying.__doc__

    def _retry(self, attempt: ty.Any, max_sleep_time: float | None) -> ty.Any:
        """The retries of one call run inline, on a DynamicLoopingCall."""
        loop = self._create_dynamic_looping_call(attempt)
        return loop._run_inline(_policies.Dynamic(
            max_sleep_time, loop._TASK_MISSING_SLEEP_VALUE_MESSAGE))

    def _create_dynamic_looping_call(self, func: ty.Callable[..., ty.Any],
                                     *args: ty.Any, **kwargs: ty.Any
                                     ) -> DynamicLoopingCall:
        """The DynamicLoopingCall that runs the retries of one call."""
        return DynamicLoopingCall(func, *args, **kwargs)
