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

"""Operators' reports: the Guru Meditation section and log_statistics().

The loops run in virtual time and the wall clock is pinned, so that the
text is known to the character. Each test has a registry of its own: loops
other tests left running in this process do not show.
"""

import json
import logging
import os
import subprocess
import sys
from unittest import mock

import fixtures
from oslo_reports import guru_meditation_report as gmr

import oslo_loopingcall
from oslo_loopingcall import fixture
from oslo_loopingcall import loopingcall
from oslo_loopingcall import reports
from tests import base

#: time.time() while reporting: 2027-01-15 08:00:00 UTC.
WALL = 1800000000.0

HEADER = '''\
========================================================================
====                         Looping calls                          ====
========================================================================
'''

SECTION = '''\
2 looping calls running, at 2027-01-15 08:00:00 UTC.

DynamicLoopingCall 'tests.test_reports.Service.next_event'
    sleeping, next run in 3.000 s (at 08:00:03 UTC)
    0 runs, 0 failures, 0 overruns
    run time: last 0 s, mean 0 s, max 0 s
    last idle 0 s
    started 2027-01-15 07:59:58 UTC (2.000 s ago)
    in {dynamic}

FixedIntervalLoopingCall 'tests.test_reports.Service.report_state'
    sleeping, every 10 s, next run in 8.000 s (at 08:00:08 UTC)
    1 run, 0 failures, 0 overruns
    run time: last 500.0 ms, mean 500.0 ms, max 500.0 ms
    last idle 9.500 s
    started 2027-01-15 07:59:58 UTC (2.000 s ago)
    in {fixed}

Stacks: under "Threads" (by thread number) or "Green Threads" (in
the frame named "loopingcall:<function>").
'''

LOG_LINES = [
    '2 looping calls running',
    "DynamicLoopingCall 'tests.test_reports.Service.next_event': sleeping, "
    "next run in 3.000 s (at 08:00:03 UTC); 0 runs, 0 failures, "
    "0 overruns; run time last 0 s, mean 0 s, max 0 s",
    "FixedIntervalLoopingCall 'tests.test_reports.Service.report_state': "
    "sleeping, every 10 s, next run in 8.000 s (at 08:00:08 UTC); 1 run, "
    "0 failures, 0 overruns; run time last 500.0 ms, mean 500.0 ms, "
    "max 500.0 ms",
]


class Service:

    def __init__(self, clock):
        self.clock = clock

    def report_state(self):
        self.clock.spend(0.5)

    def next_event(self):
        return 30


class ReportTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        # Only this test's loops are listed.
        self.useFixture(fixtures.MonkeyPatch(
            'oslo_loopingcall._backends.loops._loops', {}))
        self.clock = self.useFixture(fixture.VirtualTimeFixture(
            start=1000, autojump=False))

    def start_service_loops(self):
        """Two loops at 1002 s: one waits until 1005, one ran at 1000."""
        service = Service(self.clock)
        fixed = loopingcall.FixedIntervalLoopingCall(service.report_state)
        dynamic = loopingcall.DynamicLoopingCall(service.next_event)
        # In this order: the first run of ``fixed`` takes (virtual) time,
        # which would delay the initial delay's start.
        dynamic.start(initial_delay=5)
        fixed.start(10)
        for timer in (dynamic, fixed):
            self.addCleanup(timer.stop)
            self.wait_for(lambda: self.clock.idle_times_of(timer),
                          what='the loop idling')
        self.clock.advance(1.5)
        return fixed, dynamic

    def where(self, timer):
        if self.green:
            return 'a greenthread'
        return f'thread #{timer._thread.ident}'

    def expected_section(self, fixed, dynamic):
        return SECTION.format(fixed=self.where(fixed),
                              dynamic=self.where(dynamic))

    def pinned_wall_clock(self):
        return fixtures.MockPatch('time.time', return_value=WALL)


class TestGuruMeditationSection(ReportTestCase):

    def report_class(self):
        class Report(gmr.TextGuruMeditation):
            persistent_sections = []

        return Report

    def test_rendered_by_a_real_text_guru_meditation(self):
        fixed, dynamic = self.start_service_loops()
        report_class = self.report_class()
        reports.register(report_class)
        with self.pinned_wall_clock():
            text = report_class(None).run()
        self.assertIn(HEADER, text)
        ours = text[text.index(HEADER) + len(HEADER):]
        self.assertEqual(self.expected_section(fixed, dynamic), ours)
        # The stack of each loop says which loop it is.
        stacks = text[:text.index(HEADER)]
        self.assertIn(' in loopingcall:tests.test_reports.Service.'
                      'report_state\n', stacks)
        if not self.green:
            self.assertIn(f'Thread #{fixed._thread.ident}', stacks)

    def test_no_loops(self):
        report_class = self.report_class()
        reports.register(report_class, title='Periodic tasks')
        with self.pinned_wall_clock():
            text = report_class(None).run()
        self.assertTrue(text.endswith(
            f'===={"Periodic tasks": ^64}====\n' + '=' * 72 + '\n'
            '0 looping calls running, at 2027-01-15 08:00:00 UTC.\n'), text)

    def test_registered_once_on_text_guru_meditation_by_default(self):
        before = list(getattr(gmr.TextGuruMeditation, 'persistent_sections',
                              []))
        self.addCleanup(self.restore_sections, before)
        reports.register()
        reports.register()
        added = gmr.TextGuruMeditation.persistent_sections[len(before):]
        self.assertEqual(['Looping calls'], [title for title, _ in added])
        self.assertIsInstance(added[0][1],
                              reports.LoopingCallsReportGenerator)

    def restore_sections(self, sections):
        gmr.TextGuruMeditation.persistent_sections[:] = sections

    def test_a_json_report_too(self):
        fixed, dynamic = self.start_service_loops()
        with self.pinned_wall_clock():
            model = reports.LoopingCallsReportGenerator()()
        data = json.loads(model.to_json())
        self.assertEqual(WALL, data['at'])
        self.assertEqual(
            [('DynamicLoopingCall', 'sleeping', 0, 1005),
             ('FixedIntervalLoopingCall', 'sleeping', 1, 1010)],
            [(loop['kind'], loop['state'], loop['runs'], loop['next_run_at'])
             for loop in data['loops']])

    def test_without_oslo_reports_register_says_what_to_install(self):
        with mock.patch.dict(
                sys.modules, {'oslo_reports.guru_meditation_report': None}):
            exc = self.assertRaises(ImportError, reports.register)
        self.assertIn('pip install oslo.loopingcall[reports]', str(exc))

    def test_oslo_reports_is_imported_only_when_asked_for(self):
        code = ('import sys, warnings\n'
                'warnings.simplefilter("ignore")\n'
                'import oslo_loopingcall\n'
                'from oslo_loopingcall import loopingcall, reports\n'
                't = loopingcall.FixedIntervalLoopingCall(lambda: None)\n'
                't.start(60); oslo_loopingcall.log_statistics()\n'
                'repr(t); t.statistics; t.stop(); t.wait()\n'
                'print(sorted(m for m in sys.modules\n'
                '             if m.startswith("oslo_reports")))\n')
        env = dict(os.environ, OSLO_LOOPINGCALL_BACKEND=self.backend_name)
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True, timeout=60,
                             env=env)
        self.assertEqual('[]\n', out.stdout)


class TestSampleOfTheDocs(base.TestCase):

    def test_a_process_running_each_kind_of_loop(self):
        path = os.path.join(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))), 'doc', 'source', 'user', 'examples',
            'observed_service.py')
        env = dict(os.environ, OSLO_LOOPINGCALL_BACKEND=self.backend_name)
        out = subprocess.run([sys.executable, path], check=True,
                             capture_output=True, text=True, timeout=60,
                             env=env).stdout
        self.assertTrue(out.startswith(HEADER), out)
        kinds = [line.split()[0] for line in out.splitlines()
                 if line.endswith("'") and not line.startswith(' ')]
        self.assertEqual(['FixedIntervalLoopingCall',
                          'FixedIntervalWithTimeoutLoopingCall',
                          'DynamicLoopingCall', 'BackOffLoopingCall'], kinds)
        where = 'in a greenthread' if self.green else 'in thread #'
        self.assertEqual(4, out.count(f'    {where}'))
        self.assertIn('    116 runs, 29 failures, 0 overruns\n', out)
        self.assertLessEqual(max(len(line) for line in out.splitlines()), 72)


class TestLogStatistics(ReportTestCase):

    def logged(self, level=logging.INFO, name='oslo.loopingcall.reports'):
        prefix = f'{logging.getLevelName(level)} {name} '
        return [line[len(prefix):] for line in self.log.output.splitlines()
                if line.startswith(prefix)]

    def test_one_record_per_loop_at_info(self):
        self.start_service_loops()
        with self.pinned_wall_clock():
            oslo_loopingcall.log_statistics()
        self.assertEqual(LOG_LINES, self.logged())

    def test_a_logger_and_level_of_ones_own(self):
        self.start_service_loops()
        logger = logging.getLogger('my.service')
        with self.pinned_wall_clock():
            oslo_loopingcall.log_statistics(logger, logging.WARNING)
        self.assertEqual(LOG_LINES, self.logged(logging.WARNING,
                                                'my.service'))
        self.assertEqual([], self.logged())

    def test_no_loops(self):
        oslo_loopingcall.log_statistics()
        self.assertEqual(['0 looping calls running'], self.logged())

    def test_nothing_below_the_loggers_level(self):
        self.start_service_loops()
        logger = logging.getLogger('my.quiet.service')
        logger.setLevel(logging.WARNING)
        self.addCleanup(logger.setLevel, logging.NOTSET)
        with mock.patch.object(reports, '_describe') as describe:
            oslo_loopingcall.log_statistics(logger)
        self.assertEqual([], self.logged(name='my.quiet.service'))
        describe.assert_not_called()


class TestTheWholeRange(ReportTestCase):
    """D25: every formatter takes any value its input can hold."""

    def section_seen_by_f(self, timer_class, outcomes, **kwargs):
        """The section as ``f`` sees it on its run after ``outcomes``."""
        outcomes = list(outcomes)

        def f():
            if outcomes:
                return outcomes.pop(0)
            raise loopingcall.LoopingCallDone(_section())

        timer = timer_class(f)
        return self.run_until_done(timer.start(**kwargs)).splitlines()

    def test_d25_a_negative_idle_is_shown_as_none(self):
        self.clock.autojump = True
        lines = self.section_seen_by_f(loopingcall.DynamicLoopingCall, [-5])
        self.assertIn('    last idle 0 s', lines)

    def test_d25_a_run_started_before_it_was_due(self):
        # A test's patched sleep returns at once.
        self.useFixture(fixtures.MockPatchObject(
            loopingcall.LoopingCallBase, '_sleep'))
        lines = self.section_seen_by_f(loopingcall.FixedIntervalLoopingCall,
                                       [None], interval=30)
        self.assertIn('    running, every 30 s, this run started 30.000 s '
                      'before it was due',
                      [line.split(' (at ')[0] for line in lines])

    def test_d25_an_endless_idle(self):
        timer = loopingcall.DynamicLoopingCall(lambda: float('inf'))
        timer.start()
        self.addCleanup(self.run_until_done, timer.done)
        self.addCleanup(timer.stop)
        self.wait_for(lambda: self.clock.idle_times_of(timer),
                      what='the loop idling')
        lines = _section().splitlines()
        self.assertIn('    sleeping, no run due until stopped', lines)
        self.assertIn('    last idle inf s', lines)

    def test_d25_durations(self):
        for seconds, text in (
                (-5, '-5.000 s'), (-0.0, '0 s'), (0, '0 s'),
                (1e-300, '<1 us'), (4e-7, '<1 us'), (6e-7, '1 us'),
                (0.0009996, '1.0 ms'), (0.5, '500.0 ms'),
                (0.99994, '999.9 ms'), (0.99996, '1.000 s'),
                (59.5, '59.500 s'), (1e12, '1e+12 s'),
                (float('inf'), 'inf s'), (float('-inf'), '-inf s'),
                (float('nan'), 'nan s')):
            self.assertEqual(text, reports._s(seconds), seconds)

    def test_d25_wall_clock_times(self):
        for wall, text in (
                (WALL, '2027-01-15 08:00:00 UTC'),
                (0, '1970-01-01 00:00:00 UTC'),
                (None, 'never'), (float('inf'), 'never'),
                (1e20, '1e+20 s from the epoch'),
                (-1e20, '-1e+20 s from the epoch'),
                (float('nan'), 'nan s from the epoch')):
            self.assertEqual(text, reports._clock(wall), wall)


def _section():
    model = reports.LoopingCallsReportGenerator()()
    model.set_current_view_type('text')
    return str(model)
