#!/bin/sh
# Remove Ademcoach from a Raspberry Pi (what scripts/install-pi.sh installed).
#
#   sudo scripts/uninstall-pi.sh          remove the program and the service; KEEP the
#                                         config (/etc/ademcoach) and the patients'
#                                         records (/var/lib/ademcoach)
#   sudo scripts/uninstall-pi.sh --purge  also delete the config, the records and the user
#   DESTDIR=/tmp/root scripts/uninstall-pi.sh
#                                         staged: remove under /tmp/root only; systemctl,
#                                         userdel and udevadm are printed, not run
#
# I2C, SPI and the core-clock lines in config.txt are left as they are. See docs/service.md.
set -eu

DESTDIR=${DESTDIR:-}
PREFIX=/opt/ademcoach
USER_NAME=ademcoach
purge=""
case "${1:-}" in
    --purge) purge=yes ;;
    "") ;;
    *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
esac

# These helpers repeat the installer's on purpose: this script must work from a copy of
# it alone (docs/service.md), since it deletes /opt/ademcoach, where the installed one lies.
say() { printf '%s\n' "ademcoach uninstall: $*"; }
sys() {
    if [ -n "$DESTDIR" ]; then
        printf 'would run: %s\n' "$*"
    else
        "$@"
    fi
}

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "ademcoach uninstall: run as root (sudo $0), or set DESTDIR for a staged run" >&2
    exit 2
fi

say "service"
if [ -n "$DESTDIR" ]; then
    sys systemctl disable --now ademcoach.service ademcoach-config.path
else
    systemctl disable --now ademcoach.service ademcoach-config.path 2>/dev/null || true
fi
rm -f "$DESTDIR/etc/systemd/system/ademcoach.service" \
    "$DESTDIR/etc/systemd/system/ademcoach-config.path" \
    "$DESTDIR/etc/systemd/system/ademcoach-export@.service" \
    "$DESTDIR/etc/systemd/system/multi-user.target.wants/ademcoach.service" \
    "$DESTDIR/etc/systemd/system/multi-user.target.wants/ademcoach-config.path" \
    "$DESTDIR/etc/udev/rules.d/99-ademcoach-usb.rules" \
    "$DESTDIR/etc/modules-load.d/ademcoach.conf"
rm -rf "$DESTDIR/etc/systemd/system/ademcoach.service.d"
if [ -n "$DESTDIR" ]; then
    sys systemctl daemon-reload
    sys udevadm control --reload
else
    systemctl daemon-reload
    udevadm control --reload || true
fi

say "program"
if [ -L "$DESTDIR/usr/local/bin/ademcoach" ]; then
    rm -f "$DESTDIR/usr/local/bin/ademcoach"
fi
rm -rf "${DESTDIR}${PREFIX:?}"

if [ -n "$purge" ]; then
    say "config, records and user (--purge)"
    rm -rf "$DESTDIR/etc/ademcoach" "$DESTDIR/var/lib/ademcoach"
    if [ -n "$DESTDIR" ] || id "$USER_NAME" >/dev/null 2>&1; then
        sys userdel "$USER_NAME"
    fi
else
    say "kept the config in /etc/ademcoach and the records in /var/lib/ademcoach" \
        "(--purge deletes them)"
fi
say "done"
