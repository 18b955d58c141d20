# This machine's part of deploy/varnish/newsroom.vcl: the app servers and who may purge.
# An example for two app servers on this machine; write your own beside newsroom.vcl (or
# earlier on varnishd's vcl_path). `make stack` writes its own.

probe healthz {
    .url = "/healthz";
    .interval = 1s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

backend app1 { .host = "127.0.0.1"; .port = "8001"; .probe = healthz; }
backend app2 { .host = "127.0.0.1"; .port = "8002"; .probe = healthz; }

# The app servers (their "cdn" event handler) send the purges.
acl purgers {
    "127.0.0.1";
    "::1";
}

# ...and only with the app servers' CDN_PURGE_SECRET in X-Purge-Secret: put yours here (16+
# letters, digits, - and _), or write this file with deploy/varnish/backends.sh.
sub newsroom_purge_secret {
    if (req.http.X-Purge-Secret != "REPLACE-WITH-YOUR-CDN_PURGE_SECRET") {
        return (synth(403, "Forbidden"));
    }
}

sub vcl_init {
    new newsroom = directors.round_robin();
    newsroom.add_backend(app1);
    newsroom.add_backend(app2);
}
