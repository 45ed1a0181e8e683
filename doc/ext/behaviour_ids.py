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

"""Behaviour row ids: the catalogue's rows and the tests that cite them.

The behaviour catalogue (``doc/source/contributor/behaviour.rst``) defines
each row with a ``.. behaviour:: D09`` directive. Tests cite rows in three
forms, all found here:

* a test method's name: ``test_d09_negative_suggestion_means_no_wait``,
  ``test_p20_p21_...`` (lower case, between underscores);
* a test class's name: ``TestD08D17D18StartRejectsBadArguments``;
* plain text anywhere else (docstrings, comments, strings): ``P37``,
  ``P20/P21``, ``(D01)``. A range such as ``P03-P17`` names its ends.

A test is *listed under a row* (the catalogue's "Tested by") when its own
name or its own docstring names the row; a range names no row for that
purpose, and neither does a comment or a class. Every mention anywhere
under ``tests/`` must still name a row the catalogue defines.

Only the standard library is used, so that the unit tests can load this
file without Sphinx; ``behaviour_catalogue.py`` is the Sphinx side.
"""

import ast
import collections
import os
import re

#: The catalogue page, relative to the repository root.
CATALOGUE = os.path.join('doc', 'source', 'contributor', 'behaviour.rst')

#: The test tree, relative to the repository root.
TESTS = 'tests'

#: Files under tests/ that are not scanned: this one states the id syntax
#: itself and builds examples of it.
NOT_SCANNED = ('test_catalogue.py',)

ROW_ID = re.compile(r'^[PD]\d\d$')

_TEXT_ID = re.compile(r'(?<![A-Za-z0-9_])[PD]\d\d(?!\d)')
_RANGE = re.compile(r'(?<![A-Za-z0-9_])[PD]\d\d\s*[-\u2013]\s*[PD]\d\d(?!\d)')
_TEST_NAME = re.compile(r'\btest\w*')
_NAME_ID = re.compile(r'(?<=_)[pd]\d\d(?=_|$)')
_CLASS_NAME = re.compile(r'\bTest\w*')
_CLASS_ID = re.compile(r'(?<=[a-z0-9])[PD]\d\d(?!\d)')

_DIRECTIVE = re.compile(r'^\.\. behaviour::\s*(\S+)\s*$')
_OPTION = re.compile(r'^   :([\w-]+):\s*(.*)$')

#: One row of the catalogue: its id and its directive options.
Row = collections.namedtuple('Row', 'id options lineno')

#: One test method: dotted name (as stestr runs it), its file and line,
#: and the rows it is listed under.
Test = collections.namedtuple('Test', 'name path lineno ids')

#: One id written somewhere under tests/.
Mention = collections.namedtuple('Mention', 'id path lineno')


def repo_root_of(path):
    """The repository root above ``path``: the folder holding setup.cfg."""
    path = os.path.abspath(path)
    while not os.path.exists(os.path.join(path, 'setup.cfg')):
        parent = os.path.dirname(path)
        if parent == path:
            raise LookupError('no setup.cfg above %s' % path)
        path = parent
    return path


def ids_in_name(name):
    """Rows named by a test method's name (``test_d09_...``)."""
    return [m.group().upper() for m in _NAME_ID.finditer(name)]


def ids_in_text(text):
    """Rows named in prose, a range naming none (``P20/P21``, ``(D01)``)."""
    return _TEXT_ID.findall(_RANGE.sub(' ', text))


def mentions_in_source(source, path='<source>'):
    """Every id written in a test module's source, in any form."""
    found = []
    for lineno, line in enumerate(source.splitlines(), 1):
        ids = _TEXT_ID.findall(line)
        for name in _TEST_NAME.findall(line):
            ids += ids_in_name(name)
        for name in _CLASS_NAME.findall(line):
            ids += _CLASS_ID.findall(name)
        found += [Mention(i, path, lineno) for i in ids]
    return found


def tests_in_source(source, module, path='<source>'):
    """The test methods of a module's source, with the rows each names."""
    found = []
    for cls in ast.parse(source).body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for func in cls.body:
            if (isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and func.name.startswith('test')):
                doc = ast.get_docstring(func) or ''
                ids = sorted(set(ids_in_name(func.name) + ids_in_text(doc)))
                found.append(Test('%s.%s.%s' % (module, cls.name, func.name),
                                  path, func.lineno, ids))
    return found


def scanned_files(root):
    """(module name, path) of every scanned Python file under tests/."""
    for folder, dirs, files in os.walk(os.path.join(root, TESTS)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith('.py') and name not in NOT_SCANNED:
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root)[:-len('.py')]
                yield rel.replace(os.sep, '.'), path


def scan_tests(root):
    """(tests, mentions) of the whole test tree under ``root``."""
    tests, mentions = [], []
    for module, path in scanned_files(root):
        with open(path, encoding='utf-8') as f:
            source = f.read()
        rel = os.path.relpath(path, root)
        tests += tests_in_source(source, module, rel)
        mentions += mentions_in_source(source, rel)
    return tests, mentions


def rows_in_catalogue(text):
    """The rows a catalogue page defines, in order, with their options."""
    rows = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if not match:
            continue
        options = {}
        for option_line in lines[index + 1:]:
            option = _OPTION.match(option_line)
            if option:
                options[option.group(1)] = option.group(2)
            elif not (options and option_line.startswith('    ')):
                break  # options end at the first line that continues none
        rows.append(Row(match.group(1), options, index + 1))
    return rows


def read_catalogue(root):
    """The rows of the repository's catalogue page."""
    with open(os.path.join(root, CATALOGUE), encoding='utf-8') as f:
        return rows_in_catalogue(f.read())


def tests_by_row(tests):
    """Row id -> the tests listed under it, in file order."""
    by_row = collections.defaultdict(list)
    for test in tests:
        for row_id in test.ids:
            by_row[row_id].append(test)
    return by_row


def undefined_mentions(rows, mentions):
    """Mentions of ids that are not rows of the catalogue."""
    defined = {row.id for row in rows}
    return [m for m in mentions if m.id not in defined]


def uncited_rows(rows, tests):
    """Rows said to be tested (no ``:untested:`` option) that no test names.

    A row whose option ``:untested:`` gives the reason (being built, or
    documented but not testable) is allowed to have no test.
    """
    by_row = tests_by_row(tests)
    return [row for row in rows
            if 'untested' not in row.options and not by_row.get(row.id)]
