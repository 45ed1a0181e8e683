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

"""How RetryDecorator (public in :mod:`.loopingcall`) retries a call.

:class:`Retrying` is all of :class:`~.loopingcall.RetryDecorator` but the
looping call its retries run on, which the public class supplies: so this
module sits below :mod:`.loopingcall` and imports nothing of it.

Each call of a decorated function makes its first attempt as a plain
call; only a retry builds a :class:`~.loopingcall.DynamicLoopingCall`,
which runs inline, in the caller's greenthread or thread, and sleeps
between the attempts. Each call keeps its own retry budget and statistics
(:class:`_RetryAttempt`).
"""

from __future__ import annotations

import functools
import typing as ty

from oslo_log import log as logging
from oslo_utils import excutils

from oslo_loopingcall import _checks
from oslo_loopingcall import _exceptions
from oslo_loopingcall import _naming
from oslo_loopingcall import _stats as _loopstats

__all__ = ['Retrying']

LOG = logging.getLogger('oslo_loopingcall.loopingcall')

_DEBUG = logging.DEBUG
_DONE_TYPES = _exceptions.DONE_TYPES
LoopingCallDone = _exceptions.LoopingCallDone
_F = ty.TypeVar('_F', bound=ty.Callable[..., ty.Any])


class Retrying:
    """Decorator for retrying a function upon suggested exceptions.

    The decorated function is retried for the given number of times, and
    the sleep time between the retries is incremented until max sleep
    time is reached. If the max retry count is set to -1, then the
    decorated function is invoked indefinitely until an exception is
    thrown, and the caught exception is not in the list of suggested
    exceptions.

    Each call has its own retry budget and sleep progression, and runs the
    function in the calling greenthread (or thread). ``_retry_count`` and
    ``_sleep_time`` report the most recent call, as :attr:`statistics`
    does.
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
        max_retry_count = _checks.retry_count('max_retry_count',
                                              max_retry_count)
        inc_sleep_time = _checks.seconds('inc_sleep_time', inc_sleep_time)
        max_sleep_time = _checks.seconds('max_sleep_time', max_sleep_time,
                                         allow_none=True, allow_inf=True)
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
        self._last: _loopstats.RetryStats = _NO_CALL

    @property
    def statistics(self) -> ty.Mapping[str, ty.Any]:
        """The statistics of the most recent call, a read-only mapping.

        ``attempts`` (calls of the function so far), ``slept_seconds``
        (the sleeps between them, as asked for) and
        ``last_exception_type`` (the class of the last exception the
        function raised; None if none). Each call has its own mapping,
        which it updates as it goes; the decorated function's own
        ``statistics`` attribute is the same mapping for the calls of that
        function. Before any call, ``attempts`` is 0. With concurrent
        calls, "most recent" is the last call to start or, after a first
        failed attempt, to be retried.
        """
        return self._last

    @property
    def _retry_count(self) -> int:
        # oslo.service's attributes, kept for its tests (P40).
        return self._last.retry_count

    @_retry_count.setter
    def _retry_count(self, value: int) -> None:
        # Code written for oslo.service may reset them: it changes what
        # they report until the next call, nothing else (each call keeps
        # its own budget).
        self._last = self._own_record()
        self._last.retry_count = value

    @property
    def _sleep_time(self) -> float:
        return self._last.sleep_time

    @_sleep_time.setter
    def _sleep_time(self, value: float) -> None:
        self._last = self._own_record()
        self._last.sleep_time = value

    def _own_record(self) -> _loopstats.RetryStats:
        # Never change the records shared by many calls.
        last = self._last
        if last is _NO_CALL or last is _FIRST_ATTEMPT:
            last = _loopstats.RetryStats(last.attempts)
        return last

    def __call__(self, f: _F) -> _F:
        func_name = _naming.callable_name(f)

        @functools.wraps(f)
        def func(*args: ty.Any, **kwargs: ty.Any) -> ty.Any:
            if LOG.logger.isEnabledFor(_DEBUG):
                LOG.debug("Waiting for function %s to return.", func_name)
            # One shared record for every call in its first attempt: a
            # call that succeeds at once allocates nothing.
            self._last = func.statistics = _FIRST_ATTEMPT  # type: ignore
            # SPEED: the first attempt runs without any loop machinery, so
            # a call that succeeds at once costs 0.18 us on top of the call
            # (oslo.service: 24 us); only a retry builds the
            # DynamicLoopingCall.
            try:
                return f(*args, **kwargs)
            except self._exceptions as exc:
                attempt = _RetryAttempt(self, f, func_name, args, kwargs)
                self._last = func.statistics = attempt  # type: ignore
                try:
                    attempt.failed(exc)
                except _DONE_TYPES as done:
                    # A LoopingCallDone among ``exceptions``, with no retry
                    # left: the reference's loop ends with it (P45).
                    return done.retvalue
                attempt.pending = True
                return self._retry(attempt, self._max_sleep_time)
            except _DONE_TYPES as done:
                return done.retvalue
            except BaseException as exc:
                self._last = func.statistics = (  # type: ignore
                    _loopstats.RetryStats(1, type(exc)))
                raise

        func.statistics = _NO_CALL  # type: ignore[attr-defined]
        return ty.cast(_F, func)

    def _retry(self, attempt: _RetryAttempt,
               max_sleep_time: float | None) -> ty.Any:
        """Make the retries of one call, in the caller; their result."""
        raise NotImplementedError


#: The statistics of a RetryDecorator before any call, and of every call
#: in (or succeeding in) its first attempt: shared, never changed.
_NO_CALL = _loopstats.RetryStats(0)
_FIRST_ATTEMPT = _loopstats.RetryStats(1)


class _RetryAttempt(_loopstats.RetryStats):
    """One call of a function decorated with :class:`RetryDecorator`.

    Used as the ``f`` of a :class:`DynamicLoopingCall`: each run makes one
    attempt and returns the time to sleep before the next, or raises
    :class:`LoopingCallDone` with the result. It keeps the retry count and
    sleep progression of this call only, and is the call's statistics.
    """

    __slots__ = ('decorator', 'f', 'func_name', 'args', 'kwargs', 'pending')

    def __init__(self, decorator: Retrying, f: ty.Callable[..., ty.Any],
                 func_name: str, args: tuple[ty.Any, ...],
                 kwargs: dict[str, ty.Any]) -> None:
        super().__init__()
        self.decorator = decorator
        self.f = f
        self.func_name = func_name
        self.args = args
        self.kwargs = kwargs
        self.pending = False

    def __call__(self) -> float:
        if self.pending:
            # The first attempt already ran (and failed) before the loop
            # existed: this first run only hands its sleep to the loop.
            self.pending = False
            return self.sleep_time
        # The loop slept what it was handed (capped as the loop's policy
        # caps it) before calling again.
        cap = self.decorator._max_sleep_time
        sleep = self.sleep_time
        self.slept_seconds += sleep if cap is None else min(sleep, cap)
        self.attempts += 1
        LOG.debug("Invoking %(func_name)s; retry count is "
                  "%(retry_count)d.",
                  {'func_name': self.func_name,
                   'retry_count': self.retry_count})
        try:
            result = self.f(*self.args, **self.kwargs)
        except self.decorator._exceptions as exc:
            self.failed(exc)
            return self.sleep_time
        except _DONE_TYPES:
            raise
        except BaseException as exc:
            self.last_exception_type = type(exc)
            raise
        raise LoopingCallDone(result)

    def failed(self, exc: BaseException) -> None:
        """Account for ``exc``, being handled, or re-raise it."""
        self.last_exception_type = type(exc)
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
