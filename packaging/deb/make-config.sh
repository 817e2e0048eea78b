#!/bin/sh
# Writes /etc/forkwatch/forkwatch.yaml for the Debian package from the embedded default config (rules/forkwatch.yaml):
# every default commented out, so the file documents them without copying them (the embedded file stays the only
# place defaults live), and only the keys a service needs set for real: the user's rules directory and the spool
# under the unit's StateDirectory.   usage: make-config.sh rules/forkwatch.yaml OUT
set -eu
in=$1
out=$2
mkdir -p "$(dirname "$out")"
awk '
BEGIN {
    set["rules.extra_dirs"] = "[/etc/forkwatch/rules.d]   # your rules (*.drl), beside the default pack"
    set["outputs.webhook.spool_dir"] = "/var/lib/forkwatch/spool   # the unit'"'"'s StateDirectory"
    for (k in set) {                      # their parent sections stay uncommented
        p = k
        while (sub(/\.[^.]*$/, "", p)) keep[p] = 1
    }
    print "# forkwatch system configuration (/etc/forkwatch/forkwatch.yaml), read by /usr/bin/forkwatch and"
    print "# forkwatch.service. Lines starting with # show the built-in defaults: uncomment a key (and its"
    print "# section) to change it. Every key: /usr/share/doc/forkwatch/docs/configuration.md."
    print "# Secrets (the webhook signing secret) go in /etc/forkwatch/forkwatch.env, not here."
    print ""
}
FNR <= 2 && /^#/ { next }                 # the embedded file'"'"'s own header
/^[ \t]*(#|$)/ { print; next }
{
    match($0, /^ */); ind = RLENGTH
    key = substr($0, ind + 1); sub(/:.*/, "", key)
    for (i in path) if (i + 0 >= ind) delete path[i]
    path[ind] = key
    full = ""
    for (i = 0; i <= ind; i++) if (i in path) full = full (full == "" ? "" : ".") path[i]
    if (full in set) { print substr($0, 1, ind) key ": " set[full]; done[full] = 1; next }
    if (full in keep) { print; next }
    print "#" $0
}
END { for (k in set) if (!(k in done)) { print "make-config.sh: key " k " not found in the default config" > "/dev/stderr"; exit 1 } }
' "$in" > "$out"
