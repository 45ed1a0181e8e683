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

"""The test fixture of :func:`oslo_loopingcall.adopt`.

Apart from :mod:`oslo_loopingcall._adopt` so that ``import
oslo_loopingcall`` does not load ``fixtures`` (and testtools with it).
"""

from __future__ import annotations

import fixtures

from oslo_loopingcall import _adopt


class AdoptFixture(fixtures.Fixture):
    """Adopt ``oslo_service.loopingcall`` for a test; undo it at cleanup.

    At cleanup every change :func:`oslo_loopingcall.adopt` made is put
    back, unless something changed it again since (a ``mock.patch`` still
    active, for one). If the process was adopted before the fixture was
    set up, it stays adopted and the fixture undoes nothing.

    ``adopted`` tells whether the process is adopted (False when
    oslo.service is not installed).
    """

    adopted: bool

    def _setUp(self) -> None:
        self.adopted, adoption = _adopt._adopt()
        if adoption is not None:
            self.addCleanup(_adopt._restore, adoption)
