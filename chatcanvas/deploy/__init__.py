"""Running chatcanvas past one machine. `chatcanvas.deploy.ray`: a Ray Serve application (ingress + image workers).

Importing this package needs nothing optional; `chatcanvas.deploy.ray` needs `pip install 'chatcanvas[ray]'`.
"""

import logging as _logging

# A replica imports the deployments' module, and with it torch and diffusers, before any of our code runs: optional
# speed libraries would log their start-up there (torchao's kernels for other GPUs, its pytree registrations) into
# every replica's log and the terminal of `chatcanvas serve --ray`, as `quiet_libraries` keeps them out of commands.
for _name in ("torchao", "torch.utils._pytree"):
    _logging.getLogger(_name).setLevel(_logging.ERROR)
