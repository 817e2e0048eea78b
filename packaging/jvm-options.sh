# Sourced (POSIX sh) by both launchers, ./forkwatch and the Debian package's /usr/bin/forkwatch: chooses the
# JVM options for one forkwatch command. Why each option: docs/performance.md ("Start-up").
#   fw_jvm_options JAVA JAR PROPS ARGS...   sets $fw_opts (word-split by the caller).
# PROPS are the -D options the command gets (one string); the class-data training run gets them too.
# Knobs: FORKWATCH_JIT=auto|c1|tiered, FORKWATCH_CDS=on|off, FORKWATCH_CACHE_DIR (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/forkwatch), FORKWATCH_C1_MAX_BYTES (replays up to this size use C1).

fw_say() {
    echo "forkwatch: $*" >&2
}

fw_jvm_options() {
    fw_java=$1 fw_jar=$2 fw_props=$3
    shift 3
    # JDK 17 logs CDS and other VM warnings on stdout by default, where they would corrupt JSON alerts.
    fw_opts="-Xlog:disable -Xlog:all=warning:stderr -XX:+DisplayVMOutputToStderr"
    fw_jit_options "$@"
    if [ "${FORKWATCH_CDS:-on}" != off ]; then
        fw_cds_options
    fi
}

# C1 alone reaches steady state in a fraction of the time tiered compilation needs, and its code is good
# enough for a command that lasts seconds; C2 pays off only for long replays. For `run` C2's compiling cost the
# host ~0.6 ms of CPU per vfork+exec in its first seconds, C1 ~0.1 ms, and C1's steady state is within
# noise of C2's on this load (docs/performance.md, "Cold start").
fw_jit_options() {
    fw_jit=${FORKWATCH_JIT:-auto}
    if [ "$fw_jit" = auto ]; then
        case "${1:-}" in
            run) fw_jit=c1 ;;
            replay)
                shift
                fw_jit=c1
                fw_replay_is_small "$@" || fw_jit=tiered
                ;;
            *) fw_jit=c1 ;;
        esac
    fi
    case "$fw_jit" in
        c1) fw_opts="$fw_opts -XX:TieredStopAtLevel=1" ;;
        tiered) ;;
        *) fw_say "FORKWATCH_JIT must be auto, c1 or tiered, not '$fw_jit'"; exit 2 ;;
    esac
    if [ "${1:-}" = run ]; then
        # One compiler thread (C1; tiered needs one C1 and one C2), one GC worker: the sensor leaves a core to the host.
        fw_cc=1
        [ "$fw_jit" = c1 ] || fw_cc=2
        fw_opts="$fw_opts -XX:CICompilerCount=$fw_cc -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1"
    fi
}

# True when every trace argument is a regular file and together they are at most FORKWATCH_C1_MAX_BYTES;
# stdin ('-') or anything unknown counts as long.
fw_replay_is_small() {
    fw_total=0
    fw_files=0
    for fw_a in "$@"; do
        case "$fw_a" in
            -) return 1 ;;
            --config=* | --rules=*) continue ;;
            -*) continue ;;
        esac
        [ -f "$fw_a" ] || continue # an option's value (--config F is a small file anyway) or a bad path
        fw_total=$((fw_total + $(stat -L -c %s "$fw_a")))
        fw_files=$((fw_files + 1))
    done
    [ "$fw_files" -gt 0 ] && [ "$fw_total" -le "${FORKWATCH_C1_MAX_BYTES:-16777216}" ]
}

# A static class-data-sharing archive of the classes `check` loads, built once per jar and JDK in a cache
# directory only this user can write (the archive is code the JVM maps; root runs it). -Xshare:auto: an
# archive the JVM rejects is ignored, never fatal. While there is none yet, this command starts without it and
# the archive is built in the background (fw_cds_build_in_background) for the commands after it.
fw_cds_options() {
    fw_dir=$(fw_cache_dir) || return 0
    case "$fw_dir$fw_jar" in
        *[[:space:]]*) fw_say "class-data cache not used: a path has white space"; return 0 ;;
    esac
    if [ ! -e "$fw_dir" ] && [ ! -L "$fw_dir" ]; then
        (umask 077 && mkdir -p "$fw_dir") 2>/dev/null || {
            fw_say "class-data cache not used: cannot create $fw_dir"
            return 0
        }
    fi
    fw_safe_dir "$fw_dir" || return 0
    fw_jarid=$(printf '%s' "$fw_jar" | cksum | cut -d ' ' -f 1)
    fw_key=$(fw_cds_key) || return 0
    fw_archive="$fw_dir/forkwatch-$fw_jarid-$fw_key.jsa"
    if [ -e "$fw_archive" ] || [ -L "$fw_archive" ]; then
        fw_safe_file "$fw_archive" || return 0
        fw_opts="$fw_opts -XX:SharedArchiveFile=$fw_archive -Xshare:auto"
    elif [ ! -e "$fw_archive.failed" ]; then
        fw_cds_build_in_background
    fi
}

# The cache directory (the Java side resolves it alike for compiled packs, dev.forkwatch.rules.PackCache):
# FORKWATCH_CACHE_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/forkwatch; fails (silently) without a HOME.
fw_cache_dir() {
    fw_d=${FORKWATCH_CACHE_DIR:-}
    if [ -z "$fw_d" ]; then
        [ -n "${HOME:-}" ] || return 1
        fw_d="${XDG_CACHE_HOME:-$HOME/.cache}/forkwatch"
    fi
    case "$fw_d" in
        /*) echo "$fw_d" ;;
        *) fw_say "class-data cache not used: $fw_d is not an absolute path"; return 1 ;;
    esac
}

# What the archive depends on: the jar and its libraries, the JVM (size, mtime, inode of each file).
fw_cds_key() {
    fw_javabin=$(command -v "$fw_java") && fw_javabin=$(readlink -f "$fw_javabin") || return 1
    fw_jhome=$(dirname "$(dirname "$fw_javabin")")
    fw_libs=""
    [ -d "$(dirname "$fw_jar")/lib" ] && fw_libs="$(dirname "$fw_jar")/lib"
    # shellcheck disable=SC2046
    { stat -L -c '%n %s %Y %i' "$fw_jar" "$fw_javabin" $(ls "$fw_jhome"/lib/server/libjvm.so \
        "$fw_jhome"/lib/modules 2>/dev/null) && { [ -z "$fw_libs" ] || stat -L -c '%n %s %Y %i' "$fw_libs"/*.jar; }; } \
        2>/dev/null | cksum | cut -d ' ' -f 1
}

# Owned by this user, a directory (not a link), writable by nobody else; every directory above it owned by
# root or this user and writable by nobody else unless sticky (as rule directories, docs/rules.md).
fw_safe_dir() {
    if [ -L "$1" ] || [ ! -d "$1" ]; then
        fw_say "class-data cache not used: $1 is not a directory"
        return 1
    fi
    fw_uid=$(id -u)
    set -- "$(readlink -f "$1")"
    fw_check_owner "$1" "$fw_uid" 0 || return 1
    fw_p=$(dirname "$1")
    while :; do
        fw_check_owner "$fw_p" "$fw_uid" 1 || return 1
        [ "$fw_p" = / ] && return 0
        fw_p=$(dirname "$fw_p")
    done
}

# fw_check_owner PATH UID ANCESTOR: PATH owned by UID (or root, for an ancestor), not group/other-writable
# (an ancestor may be, when sticky, like /tmp).
fw_check_owner() {
    # shellcheck disable=SC2046
    set -- "$1" "$2" "$3" $(stat -c '%u %a' "$1")
    if [ "$4" != "$2" ] && { [ "$3" = 0 ] || [ "$4" != 0 ]; }; then
        fw_say "class-data cache not used: $1 is owned by uid $4, not by uid $2"
        return 1
    fi
    if [ $((0$5 & 022)) -ne 0 ] && { [ "$3" = 0 ] || [ $((0$5 & 01000)) -eq 0 ]; }; then
        fw_say "class-data cache not used: others can write $1 (mode $5)"
        return 1
    fi
}

fw_safe_file() {
    if [ -L "$1" ] || [ ! -f "$1" ]; then
        fw_say "class-data cache not used: $1 is not a regular file"
        return 1
    fi
    fw_check_owner "$1" "$(id -u)" 0
}

# Starts fw_cds_build detached from this command: reparented at once (no zombie under a long `run`), deaf to
# the terminal's SIGINT and SIGHUP (as nohup), niced, holding none of the caller's descriptors (a caller that
# reads our stdout to its end does not wait for the build; what the build prints goes to cds-build.log in the
# cache directory), and at most one at a time per cache directory: flock(1) on .build.lock, which the kernel
# releases when the build dies.
fw_cds_build_in_background() {
    command -v flock >/dev/null 2>&1 || {
        fw_say "class-data archive not built: no flock(1) (util-linux)"
        return 0
    }
    fw_say "building the class-data archive in $fw_dir in the background (once per jar and JDK)"
    (
        umask 077
        (
            (
                trap '' INT HUP
                exec 9>>"$fw_dir/.build.lock"
                flock -n 9 || exit 0
                fw_cds_build
            ) &
        ) </dev/null >>"$fw_dir/cds-build.log" 2>&1
    )
}

# Under the lock, output to the log. Static archive (JDK 17's dynamic archive crashes on Drools' lambda
# proxies): list the classes a `check` of the configured pack loads, compiling it and loading it compiled,
# drop the lambda-proxy lines, dump. A failure is remembered per key (.failed), so
# later starts do not pay it again. The heap is bounded: under the service the build shares the unit's
# MemoryMax with `run`.
fw_cds_build() {
    # A build that held the lock until a moment ago made it already.
    [ -e "$fw_archive" ] && return 0
    echo "$(date -u +%FT%TZ) building $fw_archive"
    rm -rf "$fw_dir"/.build.??????
    fw_tmp=$(mktemp -d "$fw_dir/.build.XXXXXX") || return 1
    # Two training runs with a compiled-pack cache of their own: one compiles the pack, one loads it from there.
    for fw_i in 1 2; do
        # shellcheck disable=SC2086
        FORKWATCH_CACHE_DIR="$fw_tmp/packs" nice -n 10 "$fw_java" -Xmx192m -XX:TieredStopAtLevel=1 \
            -XX:DumpLoadedClassList="$fw_tmp/$fw_i.classlist" $fw_props -jar "$fw_jar" check >/dev/null 2>&1 || true
    done
    cat "$fw_tmp/1.classlist" "$fw_tmp/2.classlist" 2>/dev/null | grep -v '^@' | awk '!seen[$0]++' >"$fw_tmp/classlist"
    # shellcheck disable=SC2086
    if [ -s "$fw_tmp/classlist" ] && nice -n 10 "$fw_java" -Xmx192m -Xshare:dump -XX:SharedClassListFile="$fw_tmp/classlist" \
        -XX:SharedArchiveFile="$fw_tmp/archive.jsa" $fw_props -jar "$fw_jar" >/dev/null 2>&1 &&
        chmod 0600 "$fw_tmp/archive.jsa"; then
        # Archives of this jar for another jar or JDK version are stale now.
        rm -f "$fw_dir/forkwatch-$fw_jarid-"*.jsa "$fw_dir/forkwatch-$fw_jarid-"*.jsa.failed
        mv -f "$fw_tmp/archive.jsa" "$fw_archive"
        rm -rf "$fw_tmp"
        echo "$(date -u +%FT%TZ) built $fw_archive"
        return 0
    fi
    rm -rf "$fw_tmp"
    echo "$(date -u +%FT%TZ) could not build $fw_archive; delete $fw_archive.failed to retry"
    : >"$fw_archive.failed"
    return 1
}
