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

"""The driver's side: child processes bounded in time, read by one line.

A worker reports its result as one JSON line on stdout, either the last
line that is not blank or the last line that starts with a marker (such
as ``STRESS-RESULT``). A :class:`Child` is killed at its deadline, and
when the driver leaves the block it was started in: nothing outlives a
driver that gave up. In a session of its own, whatever it started goes
with it (forked children, CPU competitors).

Sessions are not free of effects on figures: where Linux schedules with
autogroups (``/proc/sys/kernel/sched_autogroup_enabled``), each session
is a group that gets its fair share of the CPUs as a whole. The
benchmarks therefore keep their workers, and a worker its competitors,
in the session of the driver, where their figures were measured.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

#: The root of the source tree. It goes first on the children's
#: PYTHONPATH: they import this checkout's library and this package.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child_env(mode=None, extra=None):
    """The environment of a child process.

    :param mode: ``OSLO_LOOPINGCALL_BACKEND`` of the child; None removes
        it, so that the child chooses its mode itself.
    :param extra: variables to set last.
    """
    env = dict(os.environ)
    env.setdefault('PYTHONWARNINGS', 'ignore::DeprecationWarning')
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (ROOT, env.get('PYTHONPATH')) if p)
    if mode is None:
        env.pop('OSLO_LOOPINGCALL_BACKEND', None)
    else:
        env['OSLO_LOOPINGCALL_BACKEND'] = mode
    env.update(extra or {})
    return env


def result_line(line, marker):
    """The JSON payload of ``line`` if it starts with ``marker``, else None."""
    if line.startswith(marker):
        return json.loads(line[len(marker):])
    return None


def last_result(text, marker=None):
    """The payload of the last result line of ``text``.

    With a marker: the last line that starts with it, or None if there is
    none. Without: the last line that is not blank, which must be JSON
    (``IndexError`` if there is none, ``ValueError`` if it is not JSON).
    """
    if marker is None:
        return json.loads([ln for ln in text.splitlines() if ln.strip()][-1])
    result = None
    for line in text.splitlines():
        found = result_line(line, marker)
        if found is not None:
            result = found
    return result


def kill_group(pid):
    """Kill the process group (session) that ``pid`` leads, if any is left."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Outcome:
    """How a child process ended: status, output, wall time."""

    def __init__(self, returncode, stdout, stderr, wall, timed_out):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.wall = wall
        #: Whether it was killed at its deadline.
        self.timed_out = timed_out

    def tail(self, lines=5):
        """The last lines of its stderr, joined by ``' | '``."""
        return ' | '.join((self.stderr or '').strip().splitlines()[-lines:])

    def describe(self):
        """Status and output, for a failure message."""
        return (f'exit status {self.returncode} after {self.wall:.1f} s\n'
                f'--- stdout ---\n{self.stdout[-6000:]}\n'
                f'--- stderr ---\n{self.stderr[-12000:]}')


class Child:
    """A child process, used as a context manager.

    Leaving the block kills it. ``session``: start it in a session of its
    own, and kill the whole session (the child and whatever it started
    and left behind). ``stdout``/``stderr``: ``subprocess.PIPE`` to read
    them, None to let them through to the driver's.
    """

    def __init__(self, cmd, *, env=None, cwd=None, session=False,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE):
        self.started = time.monotonic()
        #: Monotonic time at which :meth:`lines` kills the child; the
        #: reader may move it while it reads.
        self.deadline = float('inf')
        self.timed_out = False
        self._err = []
        self._readers = []
        self.session = session
        self.proc = subprocess.Popen(
            cmd, stdout=stdout, stderr=stderr, text=True, env=env, cwd=cwd,
            start_new_session=session)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.kill()
        self.proc.wait()

    def kill(self):
        """Kill the child (its session, if it has one)."""
        if self.session:
            kill_group(self.proc.pid)
        elif self.proc.poll() is None:
            self.proc.kill()

    def communicate(self, timeout):
        """Wait at most ``timeout`` s for the end; return the Outcome."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self.timed_out = True
            out, err = self.proc.communicate()
        return self._outcome(out or '', err or '')

    def lines(self):
        """Its stdout, line by line as they come, until it closes it.

        Once :attr:`deadline` has passed the child is killed,
        :attr:`timed_out` is set and the lines end. Meanwhile stderr (if
        piped) is collected for :meth:`wait`.
        """
        lines = queue.Queue()
        self._read(self.proc.stdout, lines.put)
        if self.proc.stderr is not None:
            self._read(self.proc.stderr, self._err.append)
        while True:
            try:
                line = lines.get(
                    timeout=min(max(0.0, self.deadline - time.monotonic()),
                                threading.TIMEOUT_MAX))
            except queue.Empty:
                self.kill()
                self.timed_out = True
                return
            if line is None:
                return
            yield line

    def wait(self):
        """After :meth:`lines`: wait for the end; return the Outcome."""
        self.proc.wait()
        for reader in self._readers:
            reader.join(5)
        return self._outcome('', ''.join(x for x in self._err if x))

    def _read(self, stream, sink):
        def read():
            for line in stream:
                sink(line)
            sink(None)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        self._readers.append(reader)

    def _outcome(self, out, err):
        return Outcome(self.proc.returncode, out, err,
                       time.monotonic() - self.started, self.timed_out)


_BUSY = ("import time\nend = time.monotonic() + float('{seconds}')\n"
         'while time.monotonic() < end:\n    pass\n')


def start_busy(n, seconds=float('inf'), session=False):
    """Start ``n`` CPU-bound competitor processes.

    Each busy-loops for ``seconds`` (for ever by default), in a session
    (a scheduling group) of its own if ``session``; :func:`stop_busy`
    ends them.
    """
    code = _BUSY.format(seconds=seconds)
    return [subprocess.Popen([sys.executable, '-c', code],
                             start_new_session=session) for _ in range(n)]


def stop_busy(procs):
    """Kill the competitors of :func:`start_busy` and wait for them."""
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
