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

"""The documentation's machinery: what its pictures and tables are made of.

The docs build draws schedule strips from virtual-time runs and the
Performance page from the committed benchmark results, and checks the
built pages' widths. The drawing needs matplotlib and a browser, which the
unit tests do not have; what is drawn, and what fails the width check, is
tested here.
"""

import copy
import importlib.util
import json
import os
import sys

import testtools

from tests import base

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, 'doc', 'source')
RESULTS = os.path.join(DOC, 'user', 'benchmark-results.json')
for path in (os.path.join(DOC, '_ext'), os.path.join(DOC, 'user')):
    if path not in sys.path:
        sys.path.insert(0, path)

from loopdocs import bench  # noqa: E402
from loopdocs import benchcharts  # noqa: E402
from loopdocs import modulemap  # noqa: E402
from loopdocs import schedule  # noqa: E402
from loopdocs import tables  # noqa: E402


def load_tool(name):
    """A script of tools/, imported as a module."""
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BACKOFF = '''
results = iter([False, False, True, False, False, False])
def heartbeat():
    return next(results)
with Timeline(run_time=0.1, gauss=0.8) as timeline:
    timer = loopingcall.BackOffLoopingCall(timeline.wrap(heartbeat))
    done = timer.start(starting_interval=1, timeout=6)
    timeline.wait(timer)
'''

FIXED = '''
def poll():
    raise loopingcall.LoopingCallDone('ready')
with Timeline(run_time=0.25) as timeline:
    timer = loopingcall.FixedIntervalLoopingCall(timeline.wrap(poll))
    done = timer.start(interval=1, initial_delay=2)
    timeline.wait(timer)
'''


class TestScheduleStrip(base.TestCase):
    """A scenario's run becomes bars and marks on one time axis."""

    def bars(self, sched):
        return [(round(b.at, 2), round(b.seconds, 2), b.kind)
                for b in sched.bars]

    def test_backoff_runs_idles_failures_and_the_end(self):
        timeline = schedule.run_scenario(BACKOFF, '<test>')
        sched = schedule.schedule(timeline, falsy_fails=True)
        self.assertEqual([
            (0.0, 0.1, 'failed'), (0.1, 1.6, 'idle'),
            (1.7, 0.1, 'failed'), (1.8, 2.4, 'idle'),
            (4.2, 0.1, 'ok'), (4.3, 0.8, 'idle'),
            (5.1, 0.1, 'failed'), (5.2, 1.6, 'idle'),
            (6.8, 0.1, 'failed'), (6.9, 2.4, 'idle'),
            (9.3, 0.1, 'failed')], self.bars(sched))
        self.assertEqual(
            [('ERROR', 9.4), ('end', 9.4)],
            [(m.kind, round(m.at, 2)) for m in sched.marks])
        self.assertEqual('wait() raised LoopingCallTimeOut: Looping call '
                         'timed out after 7.90 seconds', sched.marks[1].label)
        self.assertAlmostEqual(9.4, sched.end)

    def test_without_falsy_fails_a_false_result_is_a_plain_run(self):
        timeline = schedule.run_scenario(BACKOFF, '<test>')
        kinds = {b.kind for b in schedule.schedule(timeline).bars}
        self.assertEqual({'ok', 'idle'}, kinds)

    def test_initial_delay_and_loopingcalldone(self):
        timeline = schedule.run_scenario(FIXED, '<test>')
        sched = schedule.schedule(timeline, marks=[(1.5, 'half way')])
        self.assertEqual([(0.0, 2.0, 'initial'), (2.0, 0.25, 'done')],
                         self.bars(sched))
        self.assertEqual("LoopingCallDone('ready')", sched.bars[1].label)
        self.assertIn(schedule.Mark(1.5, 'mark', 'half way'), sched.marks)
        self.assertAlmostEqual(2.25, sched.end)

    def test_alt_text_says_what_the_picture_shows(self):
        timeline = schedule.run_scenario(FIXED, '<test>')
        text = schedule.describe(schedule.schedule(timeline), 'the loop')
        self.assertEqual(
            "Schedule of the loop on a time axis from 0 to 2.25 seconds: "
            "initial delay 2.00 s; at 2.00 s f runs for 0.25 s (done: "
            "LoopingCallDone('ready')); then at 2.25 s: wait() returned "
            "'ready'.", text)

    def test_a_scenario_must_leave_a_timeline(self):
        self.assertRaises(KeyError, schedule.run_scenario, 'x = 1', '<t>')

    def test_marks_option(self):
        self.assertEqual([(2.5, 'timeout (2.5 s)'), (6.0, 'budget')],
                         schedule.parse_marks('2.5 timeout (2.5 s); 6 budget'))
        self.assertEqual([], schedule.parse_marks(None))


class TestBenchmarkResults(testtools.TestCase):
    """The committed results file, summarised as the page shows it."""

    def setUp(self):
        super().setUp()
        with open(RESULTS) as f:
            self.data = json.load(f)
        self.results = bench.Results(self.data)

    def test_both_sections_with_the_columns_of_run_py(self):
        self.assertEqual({'eventlet', 'threading'},
                         set(self.results.summaries))
        head, rows = self.results.table('eventlet')
        self.assertEqual(('metric', 'floor', 'ours', 'ref', 'ours/floor',
                          'ref/ours', 'target', 'met?'), head)
        self.assertTrue(all(len(row) == len(head) for row in rows))

    def test_every_row_a_chart_reads_exists(self):
        for label in ('per-iteration Fixed', 'per-iteration Dynamic',
                      'idle CPU per wake-up', 'drift @100ms, short f',
                      'mean period error @1ms, half f'):
            medians = self.results.medians('eventlet', label)
            self.assertEqual({'floor', 'ours', 'ref'}, set(medians))
        self.assertRaises(KeyError, self.results.medians, 'eventlet', 'nope')

    def test_drift_offsets_of_the_median_round(self):
        offsets = self.results.offsets('short')
        self.assertEqual(101, len(offsets['ours']))
        self.assertEqual(0, offsets['ref'][0])
        drift = self.results.medians('eventlet', 'drift @100ms, short f')
        self.assertAlmostEqual(drift['ref'], offsets['ref'][-1], delta=0.01)

    def test_a_file_without_meta_or_offsets_still_makes_the_page(self):
        data = copy.deepcopy(self.data)
        del data['_meta']
        for per_round in data['drift'].values():
            for result in per_round.values():
                for key in [k for k in result['values']
                            if k.startswith('offsets_')]:
                    del result['values'][key]
        old = bench.Results(data)
        self.assertEqual(self.results.table('eventlet'),
                         old.table('eventlet'))
        self.assertEqual(self.results.table('threading'),
                         old.table('threading'))
        self.assertIsNone(old.offsets('short'))
        self.assertIn('does not say', old.provenance())

    def test_provenance_names_the_command(self):
        meta = self.data['_meta']
        self.assertIn(f'``{meta["command"]}``', self.results.provenance())

    def test_cells_show_the_text_as_it_is(self):
        self.assertEqual('\\-', benchcharts.cell('-'))
        self.assertEqual('\\|ours\\| <= 1%', benchcharts.cell('|ours| <= 1%'))
        self.assertEqual('12.5', benchcharts.cell(' 12.5 '))
        self.assertEqual(len(benchcharts.WIDTHS),
                         len(self.results.table('eventlet')[0]))


class TestListTable(testtools.TestCase):

    def test_rst(self):
        table = tables.Table(['a', 'b'], [['1', ''], ['x\ny', '2']], [3, 7])
        self.assertEqual([
            '.. list-table:: Title', '   :header-rows: 1',
            '   :widths: 3 7', '   :class: generated', '',
            '   * - a', '     - b', '   * - 1', '     -  ',
            '   * - x y', '     - 2'], tables.list_table(table, 'Title'))


class TestWidthCheck(testtools.TestCase):
    """What the browser measured, judged: no browser needed for that."""

    def setUp(self):
        super().setUp()
        self.check = load_tool('check_doc_widths')

    def page(self, **kw):
        m = dict(viewport=1280, page=1280, column=831, tables=[],
                 figures=[], code=[], truncated=[])
        m.update(kw)
        return m

    def test_a_page_that_fits(self):
        self.assertEqual([], self.check.problems(self.page(
            tables=[dict(where='T', width=831, centred=0)],
            figures=[dict(where='F', width=831, alt='a picture')],
            code=[dict(where='C', width=700, box=700, line='x')])))

    def test_every_kind_of_misfit_is_reported(self):
        found = self.check.problems(self.page(
            page=1436,
            tables=[dict(where='Differences', width=1069, centred=84)],
            figures=[dict(where='F', width=900, alt='')],
            code=[dict(where='Results', width=1383, box=831, line='| m')],
            truncated=['FixedIntervalWithTimeoutLoopingCall']))
        self.assertEqual([
            'page is 1436 px wide in a 1280 px window',
            'table under "Differences" is 1069 px wide in a 831 px column',
            'table under "Differences" has 84 centred cells',
            'figure under "F" is 900 px wide in a 831 px column',
            'image under "F" has no alt text',
            "sidebar entry cut short: 'FixedIntervalWithTimeoutLoopingCall'",
            "code under \"Results\" needs 1383 px in a 831 px box: '| m'",
        ], found)

    def test_one_pixel_of_rounding_is_forgiven(self):
        self.assertEqual([], self.check.problems(self.page(
            page=1281, tables=[dict(where='T', width=832, centred=0)])))


class _Graph:
    """The part of a grimp import graph that the module map reads."""

    def __init__(self, imports):
        self.imports = imports
        self.modules = set(imports) | {b for bs in imports.values()
                                       for b in bs}

    def find_modules_directly_imported_by(self, module):
        return set(self.imports.get(module, ()))

    def find_children(self, module):
        return {m for m in self.modules
                if m.rpartition('.')[0] == module}


class TestModuleMap(testtools.TestCase):
    P = modulemap.PACKAGE

    def test_floors_stand_above_what_they_import(self):
        p = self.P
        graph = _Graph({f'{p}.top': [f'{p}.mid', f'{p}.low'],
                        f'{p}.mid': [f'{p}.low', 'eventlet'],
                        f'{p}.low': []})
        mmap = modulemap.build(graph)
        self.assertEqual([['top'], ['mid'], ['low']], mmap.rows())
        self.assertEqual([('mid', 'low'), ('top', 'low'), ('top', 'mid')],
                         mmap.imports)

    def test_empty_packages_are_left_out(self):
        p = self.P
        graph = _Graph({f'{p}._backends': [],
                        f'{p}._backends.mode': [f'{p}._backends'],
                        f'{p}.loopingcall': [f'{p}._backends.mode']})
        mmap = modulemap.build(graph)
        self.assertEqual([['loopingcall'], ['_backends.mode']], mmap.rows())

    def test_every_module_belongs_to_a_part(self):
        self.assertEqual('eventlet mode',
                         modulemap.part_of('_backends.greenthreads.waker'))
        self.assertEqual('backend layer', modulemap.part_of('_backends.mode'))
        self.assertEqual('loop core and public modules',
                         modulemap.part_of('loopingcall'))
