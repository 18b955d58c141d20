#!/bin/sh
# Prints a newsroom-backends.vcl (see newsroom.vcl) for the app servers given as HOST:PORT,
# each probed on /healthz, with PURGERS (comma-separated addresses, default 127.0.0.1) allowed
# to purge when they send CDN_PURGE_SECRET (the app servers' setting of the same name) in an
# X-Purge-Secret header. `make stack` and the tests write theirs with it:
#   PURGERS=10.0.0.2,10.0.0.3 CDN_PURGE_SECRET=... deploy/varnish/backends.sh 10.0.0.2:8000 10.0.0.3:8000 > newsroom-backends.vcl
set -eu
[ $# -gt 0 ] || { echo "usage: $0 HOST:PORT..." >&2; exit 2; }
secret="${CDN_PURGE_SECRET:-}"
# At least 16 characters, letters, digits, - and _ only (it is written into a VCL string):
#   python3 -c 'import secrets; print(secrets.token_urlsafe(32))'
if [ "${#secret}" -lt 16 ] || printf '%s' "$secret" | grep -q '[^A-Za-z0-9_-]'; then
  echo "$0: set CDN_PURGE_SECRET (16+ characters: letters, digits, - and _)" >&2
  exit 2
fi
cat <<'VCL'
# Written by deploy/varnish/backends.sh.
probe healthz {
    .url = "/healthz";
    .interval = 1s;
    .timeout = 2s;
    .window = 3;
    .threshold = 2;
    .initial = 2;
}
VCL
n=0
for server in "$@"; do
  n=$((n + 1))
  echo "backend app$n { .host = \"${server%:*}\"; .port = \"${server##*:}\"; .probe = healthz; }"
done
echo "acl purgers {"
echo "${PURGERS:-127.0.0.1}" | tr ',' '\n' | while read -r address; do
  [ -n "$address" ] && echo "    \"$address\";"
done
echo "}"
echo "sub newsroom_purge_secret {"
echo "    if (req.http.X-Purge-Secret != \"$secret\") {"
echo "        return (synth(403, \"Forbidden\"));"
echo "    }"
echo "}"
echo "sub vcl_init {"
echo "    new newsroom = directors.round_robin();"
i=0
while [ $i -lt $n ]; do
  i=$((i + 1))
  echo "    newsroom.add_backend(app$i);"
done
echo "}"
