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

"""What the benchmarks, the stress suite and the environment matrix share.

Each of them runs workers in fresh, bounded child processes that report
one JSON line, and each worker measures what a loop may leave behind. The
shared pieces, by side:

* the driver: :mod:`harness.procs` (child processes bounded in time, their
  environment and result line, CPU-bound competitor processes);
* the worker: :mod:`harness.report` (check bookkeeping, the text report,
  the result line), :mod:`harness.probes` (RSS, OS threads, file
  descriptors, greenthreads, leaks since a snapshot, polling),
  :mod:`harness.modes` (sleeping and spawning siblings in this process's
  mode), :mod:`harness.forking` (a function run in a forked child, bounded),
  :mod:`harness.stretch` (how much the machine's load slowed the worker
  down, to stretch time limits by) and :mod:`harness.green` (probes of
  eventlet's hub and greenlets).

Every module but :mod:`harness.green` imports the standard library alone
(eventlet at most lazily, where the process already uses it): the
native-thread benchmark worker and the environment without eventlet import
them too. Nothing here is part of the library.
"""
