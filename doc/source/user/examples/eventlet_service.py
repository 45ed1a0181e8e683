"""A monkey-patched eventlet service whose timers are oslo_loopingcall's."""

import sys

import eventlet
eventlet.monkey_patch()  # first, as in every eventlet service

import oslo_loopingcall  # noqa: E402
oslo_loopingcall.adopt()  # next, before the service's other imports

from oslo_config import cfg  # noqa: E402
from oslo_service import service  # noqa: E402


class Heartbeat(service.Service):

    def start(self):
        super().start()
        timer = self.tg.add_timer(0.5, self.beat)
        print(f'timer: {type(timer).__module__}', flush=True)

    def beat(self):
        print('beat', flush=True)


if __name__ == '__main__':
    cfg.CONF(sys.argv[1:], project='heartbeat')
    service.launch(cfg.CONF, Heartbeat()).wait()
