#!/bin/sh
# Mount a USB stick, export the Ademcoach records to it, unmount it.
# Usage: ademcoach-usb-export /dev/sdXN   (run by ademcoach-export@.service as root)
# The result is in ademcoach-export-*/export.txt on the stick. Pull the stick when its
# light has stopped flashing (the script unmounts it when done).
set -eu
dev=${1:?usage: ademcoach-usb-export /dev/DEVICE}
mnt=${RUNTIME_DIRECTORY:-/run/ademcoach-usb}/stick
mkdir -p "$mnt"
uid=$(id -u ademcoach)
gid=$(id -g ademcoach)
mount -o "uid=$uid,gid=$gid,umask=077,nosuid,nodev,noexec,flush" "$dev" "$mnt" \
    || mount -o nosuid,nodev,noexec "$dev" "$mnt"
status=0
runuser -u ademcoach -- env ADEMCOACH_CONFIG=/etc/ademcoach/ademcoach.toml \
    /opt/ademcoach/venv/bin/ademcoach export "$mnt" || status=$?
sync
umount "$mnt"
exit "$status"
