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

"""What a running loop records about itself, for operators.

The loop updates a :class:`LoopStats` in place after every run: a handful
of attribute stores, no object kept per period.
"""

from __future__ import annotations

__all__ = ['LoopStats']

NEW = 'new'
RUNNING = 'running'
SLEEPING = 'sleeping'
DONE = 'done'
FAILED = 'failed'


class LoopStats:
    """The counters of one run of a looping call (reset by start())."""

    __slots__ = ('state', 'runs', 'failures', 'overruns', 'overrun_seconds',
                 'total_run_seconds', 'max_run_seconds', 'last_run_seconds',
                 'last_idle_seconds', 'started_at', 'next_run_at')

    def __init__(self, started_at: float | None = None) -> None:
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

    def overran(self, seconds: float) -> None:
        """Count a run that outlasted its interval by ``seconds``."""
        self.overruns += 1
        self.overrun_seconds += seconds


#: The statistics of every loop never started (shared, never changed:
#: start() gives each loop its own).
NOT_STARTED = LoopStats()
