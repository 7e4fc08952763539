#!/bin/sh
# Install Ademcoach on Raspberry Pi OS (Bookworm; Pi 3/4/5/Zero 2 W) as a boot service.
#
#   sudo scripts/install-pi.sh            install on this Pi
#   DESTDIR=/tmp/root scripts/install-pi.sh
#                                         lay the files under /tmp/root only; apt, useradd,
#                                         the venv and systemctl are printed, not run
#
# Idempotent: run it again after an update. An existing /etc/ademcoach/ademcoach.toml is
# never overwritten. See docs/service.md.
set -eu

DESTDIR=${DESTDIR:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=/opt/ademcoach
USER_NAME=ademcoach
GROUPS_WANTED="i2c spi gpio video render input audio"
APT_PACKAGES="python3 python3-venv python3-dev build-essential swig liblgpio-dev i2c-tools
 libsdl2-2.0-0 libsdl2-ttf-2.0-0 libsdl2-image-2.0-0 libdrm2 libgbm1 libegl1 libgles2
 libgl1-mesa-dri libasound2 sqlite3"
# libgl1-mesa-dri: Mesa's DRI drivers (vc4/v3d), which SDL's KMSDRM needs to open the
# screen; only a recommendation of libgbm1/libegl1, so --no-install-recommends skips it.

say() { printf '%s\n' "ademcoach install: $*"; }
# Commands that change the system outside DESTDIR: run them, or only print them.
sys() {
    if [ -n "$DESTDIR" ]; then
        printf 'would run: %s\n' "$*"
    else
        "$@"
    fi
}

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "ademcoach install: run as root (sudo $0), or set DESTDIR for a staged install" >&2
    exit 2
fi

say "packages"
sys apt-get update
# shellcheck disable=SC2086
sys apt-get install -y --no-install-recommends $APT_PACKAGES

say "I2C and SPI"
bootcfg=""
for cfg in "$DESTDIR/boot/firmware/config.txt" "$DESTDIR/boot/config.txt"; do
    if [ -f "$cfg" ]; then
        bootcfg=$cfg
        break
    fi
done
if [ -z "$DESTDIR" ] && command -v raspi-config >/dev/null 2>&1; then
    raspi-config nonint do_i2c 0
    raspi-config nonint do_spi 0
    say "enabled I2C and SPI with raspi-config (active after a reboot)"
elif [ -n "$bootcfg" ]; then
    missing=""
    grep -q '^dtparam=i2c_arm=on' "$bootcfg" || missing="$missing dtparam=i2c_arm=on"
    grep -q '^dtparam=spi=on' "$bootcfg" || missing="$missing dtparam=spi=on"
    if [ -n "$missing" ]; then
        printf '\n[all]\n' >> "$bootcfg"
        for line in $missing; do
            echo "$line" >> "$bootcfg"
        done
    fi
    say "enabled I2C and SPI in $bootcfg (active after a reboot)"
else
    say "WARNING: neither raspi-config nor /boot/firmware/config.txt found: I2C and SPI are" \
        "NOT enabled; enable them by hand (docs/hardware.md, 'Enabling I2C and SPI')"
fi
# The SPI clock of the Pi 3, Zero 2 W and Pi 4 follows the core clock, which scales with
# the load and garbles the LED ring's data: fix it. Written once, with config.txt's own
# model filters, so the card stays right if it moves to another Pi (the Pi 5 needs nothing).
CORE_MARK="# ademcoach: fixed core clock, for the LED ring's SPI timing"
if [ -n "$bootcfg" ]; then
    if grep -qF "$CORE_MARK" "$bootcfg"; then
        say "core clock for the LED ring already fixed in $bootcfg"
    else
        printf '\n%s\n[pi3]\ncore_freq=250\n[pi02]\ncore_freq=250\n[pi4]\ncore_freq_min=500\n[all]\n' \
            "$CORE_MARK" >> "$bootcfg"
        say "fixed the core clock for the LED ring in $bootcfg (Pi 3, Zero 2 W: core_freq=250;" \
            "Pi 4: core_freq_min=500)"
    fi
else
    say "WARNING: no config.txt: fix the core clock by hand (Pi 3 and Zero 2 W: core_freq=250," \
        "Pi 4: core_freq_min=500; docs/hardware.md)"
fi
install -d -m 0755 "$DESTDIR/etc/modules-load.d"
echo i2c-dev > "$DESTDIR/etc/modules-load.d/ademcoach.conf"

say "user $USER_NAME"
if [ -n "$DESTDIR" ] || ! id "$USER_NAME" >/dev/null 2>&1; then
    sys useradd --system --user-group --home-dir /var/lib/ademcoach --no-create-home \
        --shell /usr/sbin/nologin "$USER_NAME"
fi
# Only the groups that exist: the service gets the same list (a drop-in, below), since
# systemd refuses to start a unit whose SupplementaryGroups= names a missing group.
# A staged install reads the staged /etc/group if there is one, else takes them all.
group_exists() {
    if [ -n "$DESTDIR" ]; then
        [ ! -f "$DESTDIR/etc/group" ] || grep -q "^$1:" "$DESTDIR/etc/group"
    else
        getent group "$1" >/dev/null 2>&1
    fi
}
groups_found=""
for g in $GROUPS_WANTED; do
    if group_exists "$g"; then
        sys usermod -a -G "$g" "$USER_NAME"
        groups_found="$groups_found $g"
    else
        say "no group $g here: left out"
    fi
done
groups_found=${groups_found# }

say "stopping the service while it is updated"
# The running program imports from $PREFIX/src and the venv: they are not replaced under
# it. It is started again at the end if it was running.
was_active=""
if [ -n "$DESTDIR" ]; then
    printf 'would run: %s\n' "systemctl stop ademcoach.service ademcoach-config.path"
elif systemctl is-active --quiet ademcoach.service 2>/dev/null; then
    was_active=yes
    systemctl stop ademcoach-config.path ademcoach.service
fi

say "program in $PREFIX"
# a clean copy of the source (no venv, caches or git data, nothing left of an older copy),
# made beside the old one and then put in its place: run from its installed copy
# ($PREFIX/src/scripts) the script copies from the very folder it replaces
new="$DESTDIR$PREFIX/src.new"
rm -rf "$new"
install -d -m 0755 "$DESTDIR$PREFIX" "$DESTDIR$PREFIX/bin" "$new"
parts=""
for p in pyproject.toml README.md LICENSE device feedback config docs systemd scripts; do
    [ -e "$SRC/$p" ] && parts="$parts $p"
done
# shellcheck disable=SC2086
(cd "$SRC" && tar -cf - --exclude=.venv --exclude=.git --exclude='__pycache__' \
    --exclude='*.egg-info' --exclude=.pytest_cache --exclude=.ruff_cache $parts) \
    | (cd "$new" && tar -xf -)
rm -rf "$DESTDIR$PREFIX/src"
mv "$new" "$DESTDIR$PREFIX/src"
install -m 0755 "$SRC/scripts/usb-export.sh" "$DESTDIR$PREFIX/bin/ademcoach-usb-export"
sys python3 -m venv "$PREFIX/venv"
# Editable install from the clean copy: the program finds its shipped config, programmes
# and scenarios in $PREFIX/src/config, next to its packages. Byte-compiled once here, as
# the service itself may not write there.
sys "$PREFIX/venv/bin/pip" install --quiet --upgrade --editable "$PREFIX/src"
sys "$PREFIX/venv/bin/python" -m compileall -q "$PREFIX/src/device" "$PREFIX/src/feedback"
# the technician's and therapist's command: ademcoach hw-check, report, wipe, ...
install -d -m 0755 "$DESTDIR/usr/local/bin"
ln -sfn "$PREFIX/venv/bin/ademcoach" "$DESTDIR/usr/local/bin/ademcoach"
say "command: /usr/local/bin/ademcoach -> $PREFIX/venv/bin/ademcoach"

say "config in /etc/ademcoach"
install -d -m 0755 "$DESTDIR/etc/ademcoach"
if [ ! -e "$DESTDIR/etc/ademcoach/ademcoach.toml" ]; then
    install -m 0644 "$SRC/config/ademcoach.toml" "$DESTDIR/etc/ademcoach/ademcoach.toml"
    say "installed the shipped config"
else
    say "kept the existing /etc/ademcoach/ademcoach.toml"
fi
# Programmes: a shipped file is installed (or updated) unless the one in
# /etc/ademcoach/programs was edited, i.e. differs from the version shipped last time
# (kept in $PREFIX/shipped-programs); an edited file is kept. Only when the shipped
# version changed since that last install (or it is not known) is the new one put beside
# it as NAME.toml.new (not read by the program) for the therapist to compare; a reinstall
# of the same release leaves an edited file alone, and a NAME.toml.new still there waits.
progs="$DESTDIR/etc/ademcoach/programs"
prev="$DESTDIR$PREFIX/shipped-programs"
if [ -d "$SRC/config/programs" ]; then
    install -d -m 0755 "$progs"
    for f in "$SRC"/config/programs/*.toml; do
        [ -f "$f" ] || continue
        name=$(basename "$f")
        dst="$progs/$name"
        if [ ! -e "$dst" ]; then
            install -m 0644 "$f" "$dst"
            say "installed programme $name"
        elif cmp -s "$f" "$dst"; then
            rm -f "$dst.new"
        elif [ -f "$prev/$name" ] && cmp -s "$prev/$name" "$dst"; then
            install -m 0644 "$f" "$dst"
            rm -f "$dst.new"
            say "updated programme $name"
        elif [ -f "$prev/$name" ] && cmp -s "$prev/$name" "$f"; then
            if [ -f "$dst.new" ]; then
                say "kept the edited programme $name; $name.new, shipped earlier, still" \
                    "waits to be compared"
            else
                say "kept the edited programme $name (the shipped version did not change)"
            fi
        else
            install -m 0644 "$f" "$dst.new"
            say "kept the edited programme $name; the new shipped version is $name.new"
        fi
    done
    rm -rf "$prev"
    cp -R "$SRC/config/programs" "$prev"
fi
sys chown -R "$USER_NAME:$USER_NAME" /etc/ademcoach

say "records in /var/lib/ademcoach (mode 0700)"
install -d -m 0700 "$DESTDIR/var/lib/ademcoach"
chmod 0700 "$DESTDIR/var/lib/ademcoach"
sys chown "$USER_NAME:$USER_NAME" /var/lib/ademcoach

say "service"
install -d -m 0755 "$DESTDIR/etc/systemd/system" "$DESTDIR/etc/udev/rules.d"
for unit in ademcoach.service ademcoach-config.path ademcoach-export@.service; do
    install -m 0644 "$SRC/systemd/$unit" "$DESTDIR/etc/systemd/system/$unit"
done
install -m 0644 "$SRC/systemd/99-ademcoach-usb.rules" "$DESTDIR/etc/udev/rules.d/"
dropin="$DESTDIR/etc/systemd/system/ademcoach.service.d"
install -d -m 0755 "$dropin"
printf '%s\n' "# Written by scripts/install-pi.sh: the device groups that exist on this system." \
    "[Service]" "SupplementaryGroups=$groups_found" > "$dropin/groups.conf"
chmod 0644 "$dropin/groups.conf"
if [ -n "$DESTDIR" ]; then
    # what 'systemctl enable' does, laid down by hand
    install -d -m 0755 "$DESTDIR/etc/systemd/system/multi-user.target.wants"
    for unit in ademcoach.service ademcoach-config.path; do
        ln -sfn "/etc/systemd/system/$unit" \
            "$DESTDIR/etc/systemd/system/multi-user.target.wants/$unit"
    done
    printf 'would run: %s\n' "systemctl daemon-reload" \
        "systemctl enable ademcoach.service ademcoach-config.path" \
        "udevadm control --reload"
else
    systemctl daemon-reload
    systemctl enable ademcoach.service ademcoach-config.path
    udevadm control --reload || true
fi
if [ -n "$was_active" ]; then
    systemctl start ademcoach-config.path ademcoach.service
    say "done; the service was running and is started again with the new version."
else
    say "done. Reboot to enable I2C/SPI and start the unit (or: systemctl start ademcoach)."
fi
