# gunicorn reads this file from the directory it starts in; command-line options add to it.
# The access log names the client as the app does (TRUSTED_PROXY_COUNT), not the proxy.
logger_class = "newsroom.gunicorn_logging.ClientAddressLogger"
