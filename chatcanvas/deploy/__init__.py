"""Running chatcanvas past one machine. `chatcanvas.deploy.ray`: a Ray Serve application (ingress + image workers).

Importing this package needs nothing optional; `chatcanvas.deploy.ray` needs `pip install 'chatcanvas[ray]'`.
"""
