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

"""Tables as list-table reStructuredText: no Sphinx needed to make them."""

import re
import typing


class Table(typing.NamedTuple):
    """A table to show: a header row, body rows of text, column widths.

    Cells are reStructuredText (inline markup allowed); ``widths`` are
    relative (as in ``list-table``).
    """

    header: list
    rows: list
    widths: list


def list_table(table, caption=''):
    """The reStructuredText of a ``list-table`` showing ``table``."""
    widths = ' '.join(str(w) for w in table.widths)
    lines = [f'.. list-table:: {caption}'.rstrip(), '   :header-rows: 1',
             f'   :widths: {widths}', '   :class: generated', '']
    for row in [table.header] + list(table.rows):
        for i, cell in enumerate(row):
            text = str(cell).replace('\n', ' ') or ' '
            lines.append(('   * - ' if i == 0 else '     - ') + text)
    return lines


def slug(text):
    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')
