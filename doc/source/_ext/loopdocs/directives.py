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

"""The directives of the documentation's generated pictures and tables.

``.. schedule-strip::`` (see loopdocs.schedule) draws a scenario run in
virtual time. ``.. benchmark-chart:: NAME`` (per-iteration, idle-cpu, load,
accuracy, drift) draws one chart of the benchmark results;
``.. benchmark-table:: SECTION`` (eventlet, threading) shows the summary
table of a section; ``.. benchmark-provenance::`` says how the results
were measured. ``.. module-map::`` draws the package's modules and their
imports (see loopdocs.modulemap); ``.. contract-table::`` shows which
class implements each method of the backend contract (see
loopdocs.contracttable). The benchmark directives read the file named by
the ``loopdocs_benchmark_results`` setting of conf.py (relative to the
source directory), and a change of that file rebuilds the pages that use
them.
"""

import os

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList

from loopdocs import bench
from loopdocs import benchcharts
from loopdocs import contracttable
from loopdocs import generated
from loopdocs import modulemap
from loopdocs import schedule
from loopdocs import scripts
from loopdocs import style
from loopdocs import tables


def results_of(directive):
    env = directive.env
    path = os.path.join(env.srcdir, env.config.loopdocs_benchmark_results)
    env.note_dependency(path)
    return bench.Results.load(path)


class BenchmarkChart(generated.GeneratedFigure):
    required_arguments = 1

    def make(self):
        name = self.arguments[0]
        if name not in benchcharts.CHARTS:
            raise self.error(f'unknown chart {name!r}; one of '
                             + ', '.join(benchcharts.CHARTS))
        return benchcharts.CHARTS[name](results_of(self), style.pyplot())


class BenchmarkTable(generated.GeneratedTable):
    required_arguments = 1

    def make(self):
        section = self.arguments[0]
        res = results_of(self)
        if section not in res.summaries:
            raise self.error(f'no {section!r} section in the results')
        head, lines = res.table(section)
        rows = [[benchcharts.cell(c) for c in line] for line in lines]
        return tables.Table(list(head), rows, benchcharts.WIDTHS)


class BenchmarkProvenance(generated.GeneratedTable):
    """A paragraph: how the committed results were measured."""

    def run(self):
        text = results_of(self).provenance()
        node = nodes.container()
        self.state.nested_parse(StringList([text], self.env.docname),
                                self.content_offset, node)
        return node.children


class ScheduleStrip(generated.GeneratedFigure):
    """``.. schedule-strip::``: a scenario run in virtual time, drawn."""

    option_spec = dict(generated.GeneratedFigure.option_spec,
                       caption=directives.unchanged,
                       what=directives.unchanged,
                       marks=directives.unchanged,
                       **{'falsy-fails': directives.flag})

    def make(self):
        source = f'<{self.env.docname} line {self.lineno}>'
        timeline = schedule.run_scenario('\n'.join(self.content), source)
        marks = schedule.parse_marks(self.options.get('marks'))
        sched = schedule.schedule(timeline, 'falsy-fails' in self.options,
                                  marks)
        what = self.options.get('what', 'the looping call')
        return schedule.draw(sched), schedule.describe(sched, what)

    def caption_text(self):
        text = self.options.get('caption', '')
        return StringList([text], self.env.docname) if text else None


class ModuleMap(generated.GeneratedFigure):
    """``.. module-map::``: the package's modules and imports, drawn."""

    def make(self):
        return modulemap.draw(modulemap.load(), style.pyplot())


class ContractTable(generated.GeneratedTable):
    """``.. contract-table::``: who implements each contract method."""

    def make(self):
        return contracttable.table()


class ScriptOutput(generated.GeneratedText):
    """``.. script-output:: PATH``: what the script prints, run now."""

    required_arguments = 1

    def make(self):
        relative, path = self.env.relfn2path(self.arguments[0])
        self.env.note_dependency(relative)
        try:
            return scripts.output_of(path)
        except RuntimeError as exc:
            raise self.error(str(exc))
