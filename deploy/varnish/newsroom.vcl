# Varnish in front of Newsroom's app servers (Debian's varnish 7 and varnish-modules, for xkey).
#
# - Pages are kept as long as the app says in Surrogate-Control (a day when events purge
#   them, never past the next scheduled publish) and dropped by their surrogate keys: the
#   app's "cdn" event handler sends `PURGE` with an `xkey` header naming them (newsroom/purge.py).
# - Staff (any cookie), the admin, previews and anything but GET/HEAD go straight through, and
#   whatever sets a cookie or says private/no-store is never kept.
# - Two or more app servers behind a round-robin director, each probed on /healthz: a server
#   that stops answering leaves the rotation within about two seconds, and a request it fails
#   is tried once on the next one. With every server down, pages are served stale for a day.
#
# The machine's own part (the app servers' addresses, who may purge and the purge secret) is in
# newsroom-backends.vcl, found on varnishd's vcl_path: `make stack` writes its own
# (deploy/stack.sh), and docs/operators-guide.md says how to write one per site.
vcl 4.1;

import directors;
import std;
import xkey;

include "newsroom-backends.vcl";

sub vcl_recv {
    if (req.method == "PURGE") {
        # Three locks: an address in the purgers ACL, no X-Forwarded-For but the one Varnish
        # itself set to that address (a TLS proxy or load balancer on the same machine
        # relays every reader from 127.0.0.1 and says who it was in X-Forwarded-For), and
        # the shared secret (CDN_PURGE_SECRET) in X-Purge-Secret, checked by
        # newsroom_purge_secret in newsroom-backends.vcl.
        if (client.ip !~ purgers || req.http.X-Forwarded-For != "" + client.ip) {
            return (synth(403, "Forbidden"));
        }
        call newsroom_purge_secret;
        unset req.http.X-Purge-Secret;
        if (!req.http.xkey) {
            return (synth(400, "Name the surrogate keys to purge in an xkey header"));
        }
        # Hard purge: a purged page is never served again, not even stale.
        set req.http.n-gone = xkey.purge(req.http.xkey);
        return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
    }
    unset req.http.X-Purge-Secret;
    # The app may build absolute URLs from X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER): a
    # page made for http is never given to an https reader, nor the other way round. Only
    # two values reach the app and the cache key (vcl_hash): https (Django reads the first
    # of a list) or http.
    if (req.http.X-Forwarded-Proto ~ "^\s*(?i)https\s*(,|$)") {
        set req.http.X-Forwarded-Proto = "https";
    } else {
        set req.http.X-Forwarded-Proto = "http";
    }
    set req.backend_hint = newsroom.backend();
    # Stale pages only while no app server answers (stale-if-error); otherwise a page past
    # its lifetime is fetched again before anyone sees it (a scheduled story is live at its
    # instant).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|preview)(/|$)" || req.url ~ "^/healthz") {
        return (pass);
    }
    # Readers have no cookies; a session (staff) or a preview link's cookie means pages
    # made for one person.
    if (req.http.Cookie || req.http.Authorization) {
        return (pass);
    }
    return (hash);
}

sub vcl_hash {
    # Then the built-in: the URL and the Host.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    # Keys for xkey.purge(), from the app's Surrogate-Key header.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Stale-if-error: kept past its lifetime, served only while no app server answers.
    set beresp.grace = 24h;
    if (beresp.status != 200
        || beresp.http.Set-Cookie
        || !beresp.http.Cache-Control
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || bereq.url ~ "^/(admin|preview)(/|$)") {
        # Not kept: a 404 may become a story at its instant, a cookie is one reader's, and
        # the app says how long anything may be kept.
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # The app's lifetime for a purged CDN (Varnish does not read Surrogate-Control itself),
    # counted from when the app made the page (Age, for pages its own cache replays).
    if (beresp.http.Surrogate-Control ~ "max-age=[0-9]+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*max-age=([0-9]+).*$", "\1s"), 0s)
            - std.duration(beresp.http.Age + "s", 0s);
    }
    return (deliver);
}

sub vcl_backend_error {
    # A server that refused the connection or died mid-request: once more, on the next one.
    if (bereq.retries < 1 && (bereq.method == "GET" || bereq.method == "HEAD")) {
        return (retry);
    }
}

sub vcl_deliver {
    # What the app told the cache stays in the cache.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    unset resp.http.Surrogate-Control;
    unset resp.http.CDN-Cache-Control;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
