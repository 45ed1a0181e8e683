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

"""The worker's side of reporting: checks, a text report, the result line.

A worker checks what it measured as it goes (``check(name, ok,
detail)``), prints a report for people if it has one, then its result as
one JSON line for the driver (:func:`emit`), and ends at once
(:func:`exit_now`): threads that a failure left blocked, or that the
measured library keeps, must not hold the process.
"""

import json
import os
import sys
import textwrap


class Checks:
    """Verdicts, in order: ``[name, passed, detail]`` each (JSON-ready).

    :param detail: applied to each detail before it is kept (``str`` for
        workers whose details are tuples and numbers).
    """

    def __init__(self, detail=None):
        self.items = []
        self._detail = detail

    def check(self, name, ok, detail=''):
        """Record one verdict; return ``ok`` as given."""
        if self._detail is not None:
            detail = self._detail(detail)
        self.items.append([name, bool(ok), detail])
        return ok

    @property
    def ok(self):
        """Whether every check passed."""
        return all(item[1] for item in self.items)


class Report(Checks):
    """Checks that also make a text report, one line per check.

    ``PASS``/``FAIL`` (or any other word, through :meth:`status`), the
    name, and the detail wrapped at ``'; '`` to :attr:`WIDTH` columns.
    """

    WIDTH = 79

    def __init__(self):
        super().__init__()
        self.lines = []

    def line(self, text=''):
        self.lines.append(text)

    def row(self, label, value):
        """A labelled figure of the workload."""
        self.lines.append(f'  {label:<40} {value}')

    def check(self, name, ok, detail=''):
        super().check(name, ok, detail)
        self.status('PASS' if ok else 'FAIL', name, str(detail))
        return ok

    def status(self, word, name, detail):
        """One line per invariant, wrapped at '; ' where possible."""
        head = f'  {word} {name:<17} '
        room = self.WIDTH - len(head)
        lines = []
        for chunk in detail.split('; '):
            if lines and len(lines[-1]) + 2 + len(chunk) <= room:
                lines[-1] += '; ' + chunk
            else:
                if lines:
                    lines[-1] += ';'
                lines.extend(textwrap.wrap(chunk, room) or [''])
        pad = ' ' * len(head)
        self.lines.extend((head if i == 0 else pad) + line
                          for i, line in enumerate(lines))

    def text(self):
        return '\n'.join(self.lines)


def emit(payload, marker=''):
    """Print the result line for the driver: ``marker`` and the JSON."""
    sys.stdout.write(marker + json.dumps(payload) + '\n')
    sys.stdout.flush()


def exit_now(code=0):
    """Flush and end the process at once, whatever threads are left."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
