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

"""Sphinx extension of this documentation: pictures and tables computed
when the docs are built, never drawn or typed by hand.

* ``schedule-strip`` (loopdocs.schedule): a scenario run in virtual time,
  drawn as runs and idle periods on a time axis;
* ``benchmark-chart``, ``benchmark-table``, ``benchmark-provenance``
  (loopdocs.bench, loopdocs.benchcharts): the committed benchmark results;
* ``script-output`` (loopdocs.scripts): what an example script prints;
* ``module-map`` (loopdocs.modulemap): the package's modules and imports;
* ``contract-table`` (loopdocs.contracttable): which backend class
  implements each method of the backend contract;
* ``loopdocs.generated``: the base classes to add another kind, and
  ``loopdocs.directives``, where each kind is declared.

Only ``loopdocs.directives`` and ``loopdocs.generated`` need Sphinx; the
rest (what is run, measured and described) is tested without it, and
imports matplotlib only to draw.
"""


def setup(app):
    from loopdocs import directives as d

    app.add_config_value('loopdocs_benchmark_results',
                         'user/benchmark-results.json', 'env')
    app.add_directive('schedule-strip', d.ScheduleStrip)
    app.add_directive('benchmark-chart', d.BenchmarkChart)
    app.add_directive('benchmark-table', d.BenchmarkTable)
    app.add_directive('benchmark-provenance', d.BenchmarkProvenance)
    app.add_directive('script-output', d.ScriptOutput)
    app.add_directive('module-map', d.ModuleMap)
    app.add_directive('contract-table', d.ContractTable)
    return {'parallel_read_safe': False, 'parallel_write_safe': True}
