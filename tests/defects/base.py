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

"""Shared scaffolding of the defect tests.
"""

import threading
import time
from unittest import mock

import eventlet
import fixtures
import greenlet

from oslo_loopingcall import loopingcall
from tests import base


LC = loopingcall

#: Start arguments under which each looping call idles 10 s or more after
#: a run of an ``f`` returning None, so a test can catch the loop asleep.
LONG_IDLE = [
    (LC.FixedIntervalLoopingCall, {'interval': 10}),
    (LC.FixedIntervalWithTimeoutLoopingCall, {'interval': 10,
                                              'timeout': 100}),
    (LC.DynamicLoopingCall, {'periodic_interval_max': 10}),
    (LC.BackOffLoopingCall, {'starting_interval': 10, 'jitter': None}),
]

#: Start arguments that are valid for each looping call.
VALID_START = [
    (LC.FixedIntervalLoopingCall, {'interval': 0.01}),
    (LC.FixedIntervalWithTimeoutLoopingCall, {'interval': 0.01}),
    (LC.DynamicLoopingCall, {'periodic_interval_max': 0.01}),
    (LC.BackOffLoopingCall, {'starting_interval': 0.01}),
]


class Boom(BaseException):
    """A BaseException that is neither an Exception nor a system exit."""


def done_after(lc, results, retvalue='done', clock=None, run_times=()):
    """A mock f returning ``results`` in turn, then ending the loop.

    With ``clock`` (a VirtualTimeFixture), run ``i`` spends
    ``run_times[i]`` seconds of virtual time (0 once ``run_times`` is
    exhausted; pass ``itertools.repeat(t)`` for a steady run time).
    """
    outcomes = list(results) + [lc.LoopingCallDone(retvalue)]
    if clock is None:
        return mock.Mock(side_effect=outcomes)
    outcomes = iter(outcomes)
    run_times = iter(run_times)

    def run(*args, **kwargs):
        clock.spend(next(run_times, 0))
        outcome = next(outcomes)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return mock.Mock(side_effect=run)


class DefectTestCase(base.TestCase):

    def reference(self):
        if base.REFERENCE is None:
            self.skipTest('oslo.service is not installed')
        self.eventlet_only('the reference is compared in eventlet mode')
        return base.REFERENCE

    def current(self):
        """The greenthread, or OS thread, running now."""
        return greenlet.getcurrent() if self.green else (
            threading.current_thread())

    def pause(self, seconds):
        """Let loops run for ``seconds`` of real time."""
        if self.green:
            eventlet.sleep(seconds)
        else:
            time.sleep(seconds)

    # The reference has no virtual clock: the ``*_reference`` tests patch
    # its seams instead. Our loops run under VirtualTimeFixture (the
    # helpers refuse to patch this library).

    def patch_reference_sleep(self, ref):
        """Patch the reference's ``_sleep``; return the mock."""
        self.assertIs(base.REFERENCE, ref)
        return self.useFixture(fixtures.MockPatchObject(
            ref.LoopingCallBase, '_sleep')).mock  # reference only

    def patch_reference_elapsed(self, ref, value):
        """Make every run of the reference's loops take ``value`` s."""
        self.assertIs(base.REFERENCE, ref)
        return self.useFixture(fixtures.MockPatchObject(
            ref.LoopingCallBase, '_elapsed',  # reference only
            return_value=value)).mock

    def patch_reference_gauss(self, ref, value):
        """Pin the reference's back-off jitter factor to ``value``."""
        self.assertIs(base.REFERENCE, ref)
        # The reference's BackOffLoopingCall draws from SystemRandom.
        self.useFixture(fixtures.MockPatch(
            'random.SystemRandom.gauss', return_value=value))  # ref only

    def debug_messages(self, logger):
        prefix = 'DEBUG %s ' % logger
        return [line[len(prefix):] for line in self.log.output.splitlines()
                if line.startswith(prefix)]
