# Shared by install-pi.sh and uninstall-pi.sh, which source it after setting DESTDIR and
# ACTION (install / uninstall).

say() { printf '%s\n' "ademcoach $ACTION: $*"; }

# Commands that change the system outside DESTDIR: run them, or only print them.
sys() {
    if [ -n "$DESTDIR" ]; then
        printf 'would run: %s\n' "$*"
    else
        "$@"
    fi
}

# Stop unless root, or staged under DESTDIR ($1: what a staged run is called).
need_root() {
    if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
        echo "ademcoach $ACTION: run as root (sudo $0), or set DESTDIR for a staged $1" >&2
        exit 2
    fi
}
