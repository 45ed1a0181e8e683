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

"""Benchmark results, as the Performance page shows them.

The results are the file that ``python benchmarks/run.py --json FILE``
writes (raw per-round values of every job). They are summarised by
``benchmarks/run.py`` itself (``summaries``, ``table_lines``), so the
tables of the page are the ones the run printed. Nothing here draws:
``benchcharts`` does.
"""

import functools
import importlib.util
import json
import os
import statistics

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__),
                                    '..', '..', '..', '..'))
RUN_PY = os.path.join(ROOT, 'benchmarks', 'run.py')
ROLES = ('floor', 'ours', 'ref')


@functools.lru_cache(maxsize=None)
def run_module():
    """benchmarks/run.py, imported as a module."""
    spec = importlib.util.spec_from_file_location('benchmark_run', RUN_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Results:
    """Saved results: the summary of each section, the raw data, the meta."""

    def __init__(self, data):
        self.data = data
        self.meta = data.get('_meta', {})
        self.summaries = run_module().summaries(data)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            return cls(json.load(f))

    def table(self, section):
        """(header, rows) of a section's summary table, cells as text."""
        run = run_module()
        return run.HEAD, run.table_lines(self.summaries[section])

    def medians(self, section, label):
        """{role: median} of the row whose label starts with ``label``."""
        for row, m, *rest in self.summaries[section]:
            if row.label.strip().startswith(label):
                return m
        raise KeyError(f'no row {label!r} in the {section} summary; the '
                       f'rows are: ' + ', '.join(
                           r[0].label for r in self.summaries[section]))

    def offsets(self, kind):
        """{role: [ms late of each run against the first]} for drift.

        Of each contender the round with the median drift; None when the
        results have no per-run offsets (files older than the offsets).
        """
        names = run_module().SECTIONS['eventlet'].names
        out = {}
        for role in ROLES:
            rounds = self.data.get('drift', {}).get(names[role], {})
            series = [r['values'].get(f'offsets_{kind}_100ms')
                      for r in rounds.values()]
            series = [s for s in series if s]
            if not series:
                return None
            final = statistics.median_low(s[-1] for s in series)
            out[role] = next(s for s in series if s[-1] == final)
        return out

    def provenance(self):
        """One sentence: how, when and on what the results were measured."""
        meta = self.meta
        if not meta:
            return ('The results file does not say how it was measured '
                    '(it predates the ``_meta`` entry).')
        versions = ', '.join(f'{k} {v}' for k, v in
                             meta.get('versions', {}).items() if v)
        kind = ('a quick run (``--quick``: smaller sizes, the slow '
                'scenarios measured once, so single samples)'
                if meta.get('quick') else 'a full run')
        return (f'Measured on {meta.get("date")} by {kind} of '
                f'``{meta.get("command")}``, {meta.get("rounds")} '
                f'interleaved rounds, in {meta.get("seconds")} s, on '
                f'{meta.get("cpus")} CPUs ({meta.get("platform")}), '
                f'Python {meta.get("python")}, {versions}.')
