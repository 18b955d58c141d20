"""gunicorn's access log with the client's address as the app counts it (client_address),
not the proxy's: named by gunicorn.conf.py, so every gunicorn started from the project
directory (make serve, make stack, a service manager) logs it the same way."""

from gunicorn.glogging import Logger

from newsroom.security import client_address


class ClientAddressLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["h"] = client_address(environ)
        return atoms
