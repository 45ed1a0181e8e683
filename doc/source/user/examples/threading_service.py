"""A service on oslo.service's threading backend, adopted."""

import sys

from oslo_service import backend
# First the backend, as every threading service does...
backend.init_backend(backend.BackendType.THREADING)

import oslo_loopingcall  # noqa: E402
oslo_loopingcall.adopt()  # ... then adopt, before the other imports.

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
