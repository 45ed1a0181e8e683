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

"""What a looping call records about itself, for operators.

The loop updates a :class:`LoopStats` in place after every run: a handful
of attribute stores, no object kept per period. Everything derived (means,
wall-clock times, the "stopping" state) is computed when someone looks, by
:meth:`LoopStats.snapshot`.

A :class:`RetryStats` is the record of one call of a function decorated
with ``RetryDecorator``, and is itself the read-only mapping callers see.
"""

from __future__ import annotations

import collections.abc
import types
import typing as ty

from oslo_loopingcall import _policies

__all__ = ['LoopStats', 'RetryStats', 'STATES']

NEW = 'new'
RUNNING = 'running'
SLEEPING = 'sleeping'
STOPPING = 'stopping'
DONE = 'done'
FAILED = 'failed'
#: Every state a looping call reports, in the order a loop goes through.
STATES = (NEW, RUNNING, SLEEPING, STOPPING, DONE, FAILED)

_ACTIVE = (RUNNING, SLEEPING)


class LoopStats:
    """The counters of one run of a looping call (reset by start()).

    ``state`` is one of :data:`STATES` but ``stopping``, which is derived
    (a stop was asked for and the loop has not ended yet). ``next_run_at``
    is the due time of the next run, or of the run in progress while
    ``state`` is ``running``.
    """

    __slots__ = ('state', 'runs', 'failures', 'overruns', 'overrun_seconds',
                 'total_run_seconds', 'max_run_seconds', 'last_run_seconds',
                 'last_idle_seconds', 'started_at', 'next_run_at', 'policy')

    def __init__(self, started_at: float | None = None,
                 policy: ty.Any = None) -> None:
        self.state = NEW
        self.runs = 0
        self.failures = 0
        self.overruns = 0
        self.overrun_seconds = 0.0
        self.total_run_seconds = 0.0
        self.max_run_seconds = 0.0
        self.last_run_seconds = 0.0
        self.last_idle_seconds = 0.0
        self.started_at = started_at
        self.next_run_at: float | None = None
        #: The idle policy of the run (it knows the interval).
        self.policy = policy

    def overran(self, seconds: float) -> None:
        """Count a run that outlasted its interval by ``seconds``."""
        self.overruns += 1
        self.overrun_seconds += seconds

    def ran(self, elapsed: float) -> None:
        """Count a run of ``elapsed`` seconds.

        After every run of ``f``.
        """
        self.runs += 1
        self.total_run_seconds += elapsed
        self.last_run_seconds = elapsed
        if elapsed > self.max_run_seconds:
            self.max_run_seconds = elapsed

    def lost(self) -> None:
        """The loop's OS thread ended with it: it will never run again."""
        self.state = FAILED

    def current_state(self, stopping: bool, done: ty.Any = None) -> str:
        """The state to report.

        :param stopping: whether a stop was asked for.
        :param done: the done event of the run; a ready one while the
            counters say running means the loop ended without recording
            it (killed before its first run, or disowned in a forked
            child).
        """
        state = self.state
        if state in _ACTIVE:
            if done is not None and done.ready():
                return FAILED
            if stopping:
                return STOPPING
        return state

    def snapshot(self, now: float, wall: float, stopping: bool,
                 done: ty.Any = None) -> types.MappingProxyType[str, ty.Any]:
        """A read-only copy of the counters, with what derives from them.

        :param now: the loop's clock (its backend's ``now()``).
        :param wall: ``time.time()`` taken with ``now``: monotonic times
            are given a wall-clock equivalent from the two.
        :param stopping, done: as for :meth:`current_state`.
        """
        # Read once each: the loop may be recording a run meanwhile (from
        # another OS thread); the snapshot may then mix that run with the
        # one before, never fail.
        state = self.current_state(stopping, done)
        runs = self.runs
        total = self.total_run_seconds
        started_at = self.started_at
        next_run_at = self.next_run_at if state in (
            RUNNING, SLEEPING, STOPPING) else None
        return types.MappingProxyType({
            'state': state,
            'runs': runs,
            'failures': self.failures,
            'overruns': self.overruns,
            'overrun_seconds': self.overrun_seconds,
            'last_run_seconds': self.last_run_seconds,
            'mean_run_seconds': total / runs if runs else 0.0,
            'max_run_seconds': self.max_run_seconds,
            'total_run_seconds': total,
            'last_idle_seconds': self.last_idle_seconds,
            'interval': interval_of(self.policy),
            'started_at': started_at,
            'started_at_wall': _wall(started_at, now, wall),
            'next_run_at': next_run_at,
            'next_run_at_wall': _wall(next_run_at, now, wall),
            'now': now,
        })


def interval_of(policy: ty.Any) -> float | None:
    """The fixed interval of a loop's policy; None if it has none."""
    if isinstance(policy, _policies.FixedInterval):
        return policy.interval
    return None


def _wall(monotonic: float | None, now: float, wall: float) -> float | None:
    if monotonic is None:
        return None
    return wall - (now - monotonic)


class RetryStats(collections.abc.Mapping[str, ty.Any]):
    """The statistics of one call of a retrying function, as a mapping.

    Read-only for its readers; the call it belongs to updates it as it
    goes: ``attempts`` (calls of the function so far), ``slept_seconds``
    (the sleeps between them, as asked for), ``last_exception_type`` (the
    class of the last exception the function raised, None if none).
    """

    __slots__ = ('attempts', 'retry_count', 'sleep_time', 'slept_seconds',
                 'last_exception_type')

    _KEYS = ('attempts', 'slept_seconds', 'last_exception_type')

    def __init__(self, attempts: int = 1,
                 last_exception_type: type[BaseException] | None = None
                 ) -> None:
        self.attempts = attempts
        #: Retries so far (oslo.service's ``_retry_count``).
        self.retry_count = 0
        #: The sleep before the next attempt (oslo.service's
        #: ``_sleep_time``): it grows by ``inc_sleep_time`` each retry.
        self.sleep_time: float = 0
        self.slept_seconds: float = 0.0
        self.last_exception_type = last_exception_type

    def __getitem__(self, key: str) -> ty.Any:
        if key in self._KEYS:
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> ty.Iterator[str]:
        return iter(self._KEYS)

    def __len__(self) -> int:
        return len(self._KEYS)

    def __repr__(self) -> str:
        return f'{type(self).__name__}({dict(self)!r})'


#: The statistics of every loop never started (shared, never changed:
#: start() gives each loop its own).
NOT_STARTED = LoopStats()
