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

"""How much the machine slowed this process down: its CPU *stretch*.

A time limit that holds on an idle machine is too short on one whose
CPUs are shared with many other processes: there, every step of a worker
takes longer in wall time for no fault of the code it measures. The
stretch says by how much: the time this process's threads were runnable
(running, or waiting in the run queue of a CPU) per second that they
actually ran. 1.0 is an idle machine; 4.0 means that each CPU second the
worker needed took four seconds.

It is read from ``/proc/self/task/*/schedstat`` (Linux with scheduler
statistics): CPU time and run-queue delay per thread. A thread that
sleeps, or waits for a lock or for the GIL, is not runnable and counts
for nothing: a worker that hangs idle does not raise its own stretch, so
that a real hang is not given more time. Where the kernel does not keep
these figures the load average per CPU stands in for it.
"""

import os

#: Below this much CPU time (in ns) the ratio is noise: it counts as 1.
MIN_CPU_NS = 50_000_000


def task_times(root='/proc/self/task'):
    """{thread id: (CPU ns, run-queue delay ns)} of this process's threads.

    Empty where the kernel keeps no scheduler statistics (or keeps them
    at zero).
    """
    found = {}
    try:
        tids = os.listdir(root)
    except OSError:
        return found
    for tid in tids:
        try:
            with open(f'{root}/{tid}/schedstat') as f:
                cpu, delay = f.read().split()[:2]
        except (OSError, ValueError):
            continue  # the thread ended meanwhile, or no statistics
        found[tid] = (int(cpu), int(delay))
    if not any(cpu for cpu, _ in found.values()):
        return {}
    return found


def load_per_cpu():
    """The one-minute load average per CPU (at least 1.0)."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1.0
    return max(1.0, load / (os.cpu_count() or 1))


class Stretch:
    """The CPU stretch of this process since the object was made.

    Call :meth:`sample` now and then: a thread that ended since the last
    sample loses what it did since then (threads born since then count
    whole); :attr:`factor` is the stretch so far, at least 1.0.

    :param read: the source of :func:`task_times` figures (tests give
        their own).
    :param fallback: the stretch where ``read`` gives nothing.
    """

    def __init__(self, read=task_times, fallback=load_per_cpu):
        self._read = read
        self._fallback = fallback
        self._last = read()
        #: Whether the figures come from the scheduler (else: fallback).
        self.measured = bool(self._last)
        self.cpu_ns = 0
        self.delay_ns = 0

    def sample(self):
        """Add what each thread did since the last sample; the factor."""
        now = self._read()
        for tid, (cpu, delay) in now.items():
            before = self._last.get(tid, (0, 0))
            if cpu < before[0]:
                before = (0, 0)  # a new thread that reuses an old id
            self.cpu_ns += cpu - before[0]
            self.delay_ns += delay - before[1]
        self._last = now
        return self.factor

    def close(self):
        """Let the table of threads go (the factor stays as it is)."""
        self._last = {}
        self._read = dict

    @property
    def factor(self):
        if not self.measured:
            return self._fallback()
        if self.cpu_ns < MIN_CPU_NS:
            return 1.0
        return max(1.0, (self.cpu_ns + self.delay_ns) / self.cpu_ns)
