#!/bin/sh
# Mount a USB stick, export the Ademcoach records to it, unmount it.
# Usage: ademcoach-usb-export /dev/sdXN   (run by ademcoach-export@.service as root)
#
# The stick (FAT or exFAT) is mounted with its files owned by the ademcoach user (uid,
# gid, umask; `flush` on FAT only, the one file system that knows it) in
# $RUNTIME_DIRECTORY/stick; that directory is opened to the ademcoach group for search
# only (mode 0710), so the export, which runs as ademcoach, can reach the stick and
# nothing else. The result is in ademcoach-export-*/export.txt on the stick.
#
# DRY_RUN=1 prints the mount, export and unmount commands instead of running them
# (FSTYPE=vfat|exfat|... then stands in for what blkid would say); the tests use it.
set -eu
dev=${1:?usage: ademcoach-usb-export /dev/DEVICE}
USER_NAME=ademcoach
DRY_RUN=${DRY_RUN:-}
base=${RUNTIME_DIRECTORY:-/run/ademcoach-usb/$(basename "$dev")}
mnt=$base/stick

say() { printf '%s\n' "ademcoach-usb-export: $*" >&2; }
sys() {
    if [ -n "$DRY_RUN" ]; then
        printf 'would run: %s\n' "$*"
    else
        "$@"
    fi
}

if [ -n "$DRY_RUN" ]; then
    fstype=${FSTYPE:-vfat}
    uid=$(id -u "$USER_NAME" 2>/dev/null || echo 999)
    gid=$(id -g "$USER_NAME" 2>/dev/null || echo 999)
else
    fstype=$(blkid -o value -s TYPE "$dev" || true)
    uid=$(id -u "$USER_NAME")
    gid=$(id -g "$USER_NAME")
fi
opts="uid=$uid,gid=$gid,umask=077,nosuid,nodev,noexec"
case "$fstype" in
    vfat) opts="$opts,flush" ;;
    exfat) ;;
    *)
        say "$dev: file system '${fstype:-unknown}' not supported; format the stick as FAT or exFAT"
        exit 1 ;;
esac

# The mount point: root's, with search (not read) permission for the ademcoach group.
sys install -d -m 0710 -o root -g "$USER_NAME" "$base"
sys install -d -m 0700 "$mnt"
sys mount -t "$fstype" -o "$opts" "$dev" "$mnt"
status=0
sys runuser -u "$USER_NAME" -- env ADEMCOACH_CONFIG=/etc/ademcoach/ademcoach.toml \
    /opt/ademcoach/venv/bin/ademcoach export "$mnt" || status=$?
sys sync
sys umount "$mnt"
say "$dev: done (exit $status); the stick can be taken out"
exit "$status"
