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

"""The tests and the behaviour catalogue agree.

Tests cite rows of the catalogue (``doc/source/contributor/behaviour.rst``)
by id. Every id written under ``tests/`` must be a row, and every row that
does not say why it is untested must be named by a test. The rules for
finding ids live in ``doc/ext/behaviour_ids.py``, shared with the
documentation build that lists each row's tests.
"""

import importlib.util
import os
import tempfile
import textwrap

import testtools

import tests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(tests.__file__)))


def _load_ids():
    path = os.path.join(ROOT, 'doc', 'ext', 'behaviour_ids.py')
    spec = importlib.util.spec_from_file_location('behaviour_ids', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ids = _load_ids()

#: A test module citing rows in every form the scanner knows.
SAMPLE = textwrap.dedent('''\
    """Module docstring: rows P03-P17 and D02."""


    class TestD08D17Sample(object):
        """Class docstring: P44."""

        def test_d09_p20_sample(self):
            """P37: first line. (D01) and P20/P21; a range P24-P28."""
            # D05 in a comment.
            self.skip('P48 in a string')

        def test_without_a_row(self):
            """No row here."""

        def helper_d10_not_a_test(self):
            """P29."""
    ''')

CATALOGUE = textwrap.dedent('''\
    .. behaviour:: P01
       :title: One
       :outcome: kept

       :Scenario: x

    .. behaviour:: D01
       :title: Two
       :outcome: fixed
       :untested: None yet: a reason
           that goes on.
       :later: still an option

       :Scenario: x
    ''')


class TestCatalogueAgreesWithTests(testtools.TestCase):
    """The real catalogue against the real test tree."""

    def setUp(self):
        super().setUp()
        self.rows = ids.read_catalogue(ROOT)
        self.tests, self.mentions = ids.scan_tests(ROOT)

    def test_every_id_written_under_tests_is_a_row(self):
        undefined = ['%s:%d: %s' % (m.path, m.lineno, m.id)
                     for m in ids.undefined_mentions(self.rows,
                                                     self.mentions)]
        self.assertEqual([], undefined,
                         'ids that the behaviour catalogue does not define')

    def test_every_row_said_to_be_tested_is_named_by_a_test(self):
        uncited = [row.id for row in ids.uncited_rows(self.rows, self.tests)]
        self.assertEqual([], uncited,
                         'rows that no test names: name them in a test, or '
                         'give the reason with :untested:')

    def test_rows_are_unique_and_numbered_without_gaps(self):
        for prefix in 'PD':
            numbers = [int(row.id[1:]) for row in self.rows
                       if row.id.startswith(prefix)]
            self.assertEqual(list(range(1, len(numbers) + 1)), numbers,
                             prefix + ' rows out of order or with gaps')

    def test_the_scan_sees_the_tests(self):
        # A scanner that found nothing would make both checks above pass.
        self.assertGreater(len(self.tests), 100)
        self.assertGreater(len([t for t in self.tests if t.ids]), 100)
        self.assertGreater(len(self.rows), 60)


class TestScanner(testtools.TestCase):
    """The rules themselves, on samples, so that the checks can fail."""

    def test_mentions_in_every_form(self):
        found = [(m.id, m.lineno) for m in ids.mentions_in_source(SAMPLE)]
        self.assertEqual(
            [('P03', 1), ('P17', 1), ('D02', 1),
             ('D08', 4), ('D17', 4),
             ('P44', 5),
             ('D09', 7), ('P20', 7),
             ('P37', 8), ('D01', 8), ('P20', 8), ('P21', 8), ('P24', 8),
             ('P28', 8),
             ('D05', 9), ('P48', 10), ('P29', 16)],
            found)

    def test_a_test_is_listed_under_rows_of_its_name_and_docstring(self):
        found = ids.tests_in_source(SAMPLE, 'tests.sample')
        self.assertEqual(
            [('tests.sample.TestD08D17Sample.test_d09_p20_sample',
              ['D01', 'D09', 'P20', 'P21', 'P37']),
             ('tests.sample.TestD08D17Sample.test_without_a_row', [])],
            [(t.name, t.ids) for t in found])

    def test_id_forms_that_are_not_rows(self):
        self.assertEqual([], ids.ids_in_text('P123 XP37 P3 p37 MD5'))
        self.assertEqual([], ids.ids_in_name('test_top10_d099_xd09'))
        self.assertEqual(['D09'], ids.ids_in_name('test_d09'))

    def test_rows_and_their_options(self):
        rows = ids.rows_in_catalogue(CATALOGUE)
        self.assertEqual(['P01', 'D01'], [row.id for row in rows])
        self.assertEqual({'title': 'One', 'outcome': 'kept'},
                         rows[0].options)
        self.assertEqual(['title', 'outcome', 'untested', 'later'],
                         list(rows[1].options))

    def test_a_mention_of_an_unknown_row_is_reported(self):
        rows = ids.rows_in_catalogue(CATALOGUE)
        mentions = ids.mentions_in_source(SAMPLE)
        undefined = {m.id for m in ids.undefined_mentions(rows, mentions)}
        self.assertIn('D09', undefined)
        self.assertNotIn('D01', undefined)

    def test_a_row_without_a_test_is_reported_unless_untested(self):
        rows = ids.rows_in_catalogue(CATALOGUE)
        self.assertEqual(['P01'],
                         [row.id for row in ids.uncited_rows(rows, [])])
        test = ids.Test('t', 'p', 1, ['P01'])
        self.assertEqual([], ids.uncited_rows(rows, [test]))

    def test_test_files_in_sub_folders_are_scanned(self):
        root = self._tempdir()
        sub = os.path.join(root, 'tests', 'parity')
        os.makedirs(sub)
        open(os.path.join(root, 'setup.cfg'), 'w').close()
        for name, text in (('test_sample.py', SAMPLE),
                           ('test_catalogue.py', 'x = "P99"\n')):
            with open(os.path.join(sub, name), 'w') as f:
                f.write(text)
        tests_found, mentions = ids.scan_tests(root)
        self.assertEqual(
            ['tests.parity.test_sample.TestD08D17Sample.test_d09_p20_sample',
             'tests.parity.test_sample.TestD08D17Sample.test_without_a_row'],
            [t.name for t in tests_found])
        self.assertEqual({os.path.join('tests', 'parity', 'test_sample.py')},
                         {m.path for m in mentions})
        self.assertEqual(root, ids.repo_root_of(sub))

    def _tempdir(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return os.path.realpath(tmp.name)
