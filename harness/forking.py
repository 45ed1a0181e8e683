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

"""A function run in a forked child, bounded, reporting as JSON.

The child reports through a pipe, one JSON line per ``(key, value)`` pair
as it goes, so that a child that hangs half way still shows how far it
got. It ends itself with :data:`HUNG_STATUS` when its alarm rings; the
parent polls for it without blocking its own loops, and kills it when
its time is up.
"""

import json
import os
import signal
import time

#: The exit status of a child whose alarm rang.
HUNG_STATUS = 7


def alarm(seconds):
    """End this process with HUNG_STATUS after ``seconds`` (whole) s."""
    signal.signal(signal.SIGALRM, lambda *a: os._exit(HUNG_STATUS))
    signal.alarm(seconds)


def in_forked_child(fn, *, alarm_after, seconds, sleep, poll,
                    prepare=None):
    """Run ``fn()`` in an ``os.fork()`` child; its result, or ``'hung'``.

    :param fn: returns a dict, or yields ``(key, value)`` pairs (JSON
        values); an exception it raises is reported as the key
        ``'error'``.
    :param alarm_after: whole seconds after which the child ends itself.
    :param seconds: how long the parent waits before it kills the child.
    :param sleep: how the parent sleeps between two looks (its loops go
        on meanwhile); ``poll``: seconds between two looks.
    :param prepare: called first in the child (e.g. what oslo.service's
        ProcessLauncher does in a new worker).
    :returns: the dict of the pairs, with ``'hung': True`` added if the
        child hung after some, or ``'hung'`` if it reported none.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child_main(fn, write_fd, alarm_after, prepare)
    os.close(write_fd)
    return _collect(pid, read_fd, seconds, sleep, poll)


def _child_main(fn, write_fd, alarm_after, prepare):
    alarm(alarm_after)
    try:
        if prepare is not None:
            prepare()
        result = fn()
        for key, value in (result.items() if isinstance(result, dict)
                           else result):
            os.write(write_fd, json.dumps([key, value]).encode() + b'\n')
    except BaseException as exc:  # noqa: B902 - reported to the parent
        os.write(write_fd, json.dumps(
            ['error', f'{type(exc).__name__}: {exc}']).encode() + b'\n')
    os._exit(0)


def _collect(pid, read_fd, seconds, sleep, poll):
    deadline = time.monotonic() + seconds
    status = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        sleep(poll)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        status = None
    data = b''
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(read_fd)
    out = dict(json.loads(line) for line in data.splitlines())
    if status is None or os.WEXITSTATUS(status) == HUNG_STATUS:
        # What it reported before it hung, if anything.
        return dict(out, hung=True) if out else 'hung'
    return out
