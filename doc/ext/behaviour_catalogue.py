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

"""Sphinx directive ``behaviour``: one row of the behaviour catalogue.

.. code-block:: rst

   .. behaviour:: D09
      :title: A dynamic loop asks for a negative delay
      :outcome: fixed

      :Scenario: ...
      :oslo.service 4.8.0: ...
      :Here: ...

renders a section titled "D09 · A dynamic loop asks for a negative delay"
(label ``behaviour-d09`` for ``:ref:``), whose field list gains an
"Outcome" field first and a "Tested by" field last. "Tested by" is made
when the documentation is built, from the tests that name the row (see
``behaviour_ids.py``), so it follows the tests wherever they move.

Options: ``:title:`` (required), ``:outcome:`` (``kept``, ``fixed`` or
``decided``), ``:untested:`` (why no test names the row yet; without it a
row that no test names is a build warning, hence an error under ``-W``).
"""

import functools
import os

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective
from sphinx.util import logging

import behaviour_ids

LOG = logging.getLogger(__name__)

#: What each outcome means, shown in the row's "Outcome" field.
OUTCOMES = {
    'kept': 'kept: oslo.service 4.8.0 behaves so, and so do we',
    'fixed': 'fixed: a defect of oslo.service 4.8.0',
    'decided': 'decided: the reference leaves it open or wrong; '
               'the project chose this behaviour',
}

#: The fields every row writes, in this order.
FIELDS = ('Scenario', 'oslo.service 4.8.0', 'Here')

ROOT = behaviour_ids.repo_root_of(os.path.dirname(__file__))


@functools.lru_cache(maxsize=None)
def _scan():
    """Rows -> tests, and the scanned files, once per build process."""
    tests, _mentions = behaviour_ids.scan_tests(ROOT)
    files = sorted({os.path.join(ROOT, test.path) for test in tests})
    return behaviour_ids.tests_by_row(tests), files


def _field(name, *body):
    return nodes.field('', nodes.field_name('', name),
                       nodes.field_body('', *body))


def _tested_by(tests):
    """A bullet per test class, its tests nested under it."""
    by_class = {}
    for test in tests:
        cls, method = test.name.rsplit('.', 1)
        by_class.setdefault(cls, []).append(method)
    outer = nodes.bullet_list()
    for cls, methods in by_class.items():
        inner = nodes.bullet_list()
        for method in methods:
            inner += nodes.list_item('', nodes.paragraph(
                '', '', nodes.literal(text=method)))
        outer += nodes.list_item('', nodes.paragraph(
            '', '', nodes.literal(text=cls)), inner)
    return outer


class BehaviourDirective(SphinxDirective):
    """One catalogue row (see the module docstring)."""

    required_arguments = 1
    has_content = True
    option_spec = {
        'title': directives.unchanged_required,
        'outcome': lambda arg: directives.choice(arg, tuple(OUTCOMES)),
        'untested': directives.unchanged_required,
    }

    def run(self):
        row_id = self.arguments[0]
        if not behaviour_ids.ROW_ID.match(row_id):
            raise self.error('row id must be P or D and two digits, '
                             'not %r' % row_id)
        for option in ('title', 'outcome'):
            if option not in self.options:
                raise self.error('%s: option :%s: is required'
                                 % (row_id, option))
        section = nodes.section(names=['behaviour-' + row_id.lower()])
        section += nodes.title(
            text='%s \u00b7 %s' % (row_id, self.options['title']))
        self.state.document.note_explicit_target(section)
        body = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, body)
        fields = self._fields(row_id, body)
        fields.insert(0, _field('Outcome', nodes.paragraph(
            text=OUTCOMES[self.options['outcome']])))
        fields += _field('Tested by', *self._tested_by(row_id))
        section += body.children
        return [section]

    def _fields(self, row_id, body):
        """The row's field list, checked to hold FIELDS in order."""
        lists = [n for n in body.children if isinstance(n, nodes.field_list)]
        names = [f[0].astext() for f in lists[0]] if lists else []
        if list(FIELDS) != names:
            raise self.error('%s: the content must be one field list with '
                             'the fields %s, found %s'
                             % (row_id, ', '.join(FIELDS), names or 'none'))
        return lists[0]

    def _tested_by(self, row_id):
        by_row, files = _scan()
        for path in files:
            self.env.note_dependency(path)
        tests = by_row.get(row_id, [])
        untested = self.options.get('untested')
        found = [_tested_by(tests)] if tests else []
        if untested:
            return [nodes.paragraph(text=untested)] + found
        if not tests:
            LOG.warning('%s: no test names this row; name it in a test or '
                        'give the reason with :untested:', row_id,
                        location=self.get_location())
            return [nodes.paragraph(text='No test names this row.')]
        return found


def setup(app):
    app.add_directive('behaviour', BehaviourDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
