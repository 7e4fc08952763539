"""scripts/install-pi.sh with a DESTDIR root, and systemd-analyze verify on the units."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "install-pi.sh"


def install(root: Path) -> str:
    env = {**os.environ, "DESTDIR": str(root)}
    r = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_staged_install_lays_down_the_files(tmp_path):
    root = tmp_path / "root"
    (root / "boot" / "firmware").mkdir(parents=True)
    (root / "boot" / "firmware" / "config.txt").write_text("[all]\n")
    out = install(root)
    # the system-changing steps are printed, not run
    for line in ("would run: apt-get install -y", "would run: useradd --system",
                 "would run: usermod -a -G gpio ademcoach",
                 "would run: python3 -m venv /opt/ademcoach/venv",
                 "would run: systemctl enable ademcoach.service"):
        assert line in out
    etc = root / "etc"
    assert (etc / "ademcoach" / "ademcoach.toml").read_bytes() == (
        REPO / "config" / "ademcoach.toml").read_bytes()
    data = root / "var" / "lib" / "ademcoach"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for unit in ("ademcoach.service", "ademcoach-config.path", "ademcoach-export@.service"):
        assert (etc / "systemd" / "system" / unit).read_bytes() == (
            REPO / "systemd" / unit).read_bytes()
    wants = etc / "systemd" / "system" / "multi-user.target.wants"
    assert os.readlink(wants / "ademcoach.service") == "/etc/systemd/system/ademcoach.service"
    assert (etc / "udev" / "rules.d" / "99-ademcoach-usb.rules").exists()
    helper = root / "opt" / "ademcoach" / "bin" / "ademcoach-usb-export"
    assert os.access(helper, os.X_OK)
    assert (root / "opt" / "ademcoach" / "src" / "feedback" / "records.py").exists()
    assert not list((root / "opt" / "ademcoach" / "src").rglob("__pycache__"))
    assert (etc / "modules-load.d" / "ademcoach.conf").read_text() == "i2c-dev\n"
    boot = (root / "boot" / "firmware" / "config.txt").read_text()
    assert "dtparam=i2c_arm=on" in boot and "dtparam=spi=on" in boot


def test_shell_scripts_parse():
    for script in ("install-pi.sh", "uninstall-pi.sh", "usb-export.sh"):
        r = subprocess.run(["sh", "-n", str(REPO / "scripts" / script)], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr


def test_reinstall_keeps_the_config_and_does_not_repeat_lines(tmp_path):
    root = tmp_path / "root"
    (root / "boot" / "firmware").mkdir(parents=True)
    (root / "boot" / "firmware" / "config.txt").write_text("[all]\n")
    install(root)
    cfg = root / "etc" / "ademcoach" / "ademcoach.toml"
    cfg.write_text('[patient]\n# NL: x\n# EN: x\ncode = "AB12"\n')
    out = install(root)
    assert "kept the existing" in out
    assert 'code = "AB12"' in cfg.read_text()
    boot = (root / "boot" / "firmware" / "config.txt").read_text()
    assert boot.count("dtparam=spi=on") == 1


def test_units_pass_systemd_analyze_verify(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed")
    root = tmp_path / "root"
    install(root)
    # verify checks that ExecStart= exists: point the unit at the real entry point of this
    # checkout and at the helper the staged install laid down
    entry = Path(sys.executable).parent / "ademcoach"
    if not entry.exists():
        pytest.skip("no ademcoach entry point next to this Python")
    units = tmp_path / "units"
    units.mkdir()
    for unit in ("ademcoach.service", "ademcoach-config.path", "ademcoach-export@.service"):
        text = (root / "etc" / "systemd" / "system" / unit).read_text()
        text = text.replace("/opt/ademcoach/venv/bin/ademcoach", str(entry))
        text = text.replace("/opt/ademcoach/bin/ademcoach-usb-export",
                            str(root / "opt" / "ademcoach" / "bin" / "ademcoach-usb-export"))
        (units / unit).write_text(text)
    r = subprocess.run([tool, "verify", *(str(units / u) for u in sorted(os.listdir(units)))],
                       capture_output=True, text=True, timeout=60, cwd=units)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ademcoach" not in r.stderr, r.stderr  # no warning about our units either


def usb_export_dry_run(fstype: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DRY_RUN": "1", "FSTYPE": fstype,
           "RUNTIME_DIRECTORY": "/run/ademcoach-usb/sda1"}  # (as systemd sets it)
    return subprocess.run(["sh", str(REPO / "scripts" / "usb-export.sh"), "/dev/sda1"],
                          env=env, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("fstype", ["vfat", "exfat"])
def test_usb_export_mounts_the_stick_for_the_ademcoach_user(fstype):
    r = usb_export_dry_run(fstype)
    assert r.returncode == 0, r.stderr
    mount = next(line for line in r.stdout.splitlines() if "would run: mount" in line)
    opts = mount.split(" -o ")[1].split()[0].split(",")
    assert f"-t {fstype}" in mount
    assert {"nosuid", "nodev", "noexec", "umask=077"} <= set(opts)
    assert any(o.startswith("uid=") for o in opts) and any(o.startswith("gid=") for o in opts)
    assert ("flush" in opts) == (fstype == "vfat")  # flush is a FAT-only option
    # the ademcoach user can pass through the runtime directory, but not list it
    assert "install -d -m 0710 -o root -g ademcoach /run/ademcoach-usb/sda1" in r.stdout
    lines = r.stdout.splitlines()
    steps = [next(i for i, line in enumerate(lines) if word in line)
             for word in ("would run: mount", "export /run/ademcoach-usb/sda1/stick",
                          "would run: sync", "would run: umount")]
    assert steps == sorted(steps)


def test_usb_export_refuses_a_file_system_without_owner_options():
    r = usb_export_dry_run("ext4")
    assert r.returncode == 1
    assert "format the stick as FAT or exFAT" in r.stderr
    assert "would run: mount" not in r.stdout


def test_export_unit_lets_the_ademcoach_user_reach_the_mount_point():
    text = (REPO / "systemd" / "ademcoach-export@.service").read_text()
    assert "RuntimeDirectoryMode=0710" in text


def test_each_stick_has_its_own_mount_point_that_another_sticks_end_leaves_alone():
    """systemd removes an instance's RuntimeDirectory= when it stops, shared or not: with
    one for every instance, the first of two sticks to finish removed /run/ademcoach-usb,
    and with it (mount namespaces or not) the second stick's mount, halfway through its
    export ("niets gekopieerd", its unmount failing)."""
    text = (REPO / "systemd" / "ademcoach-export@.service").read_text()
    (line,) = [x for x in text.splitlines() if x.startswith("RuntimeDirectory=")]
    assert line == "RuntimeDirectory=ademcoach-usb/%i"
    # the helper run by hand (no systemd) takes the device's own directory too
    env = {**os.environ, "DRY_RUN": "1", "FSTYPE": "vfat"}
    env.pop("RUNTIME_DIRECTORY", None)
    r = subprocess.run(["sh", str(REPO / "scripts" / "usb-export.sh"), "/dev/sdb1"],
                       env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "export /run/ademcoach-usb/sdb1/stick" in r.stdout


def staged(tmp_path) -> Path:
    root = tmp_path / "root"
    (root / "boot" / "firmware").mkdir(parents=True)
    (root / "boot" / "firmware" / "config.txt").write_text("[all]\n")
    return root


def test_ademcoach_command_is_on_the_path(tmp_path):
    root = staged(tmp_path)
    out = install(root)
    link = root / "usr" / "local" / "bin" / "ademcoach"
    assert os.readlink(link) == "/opt/ademcoach/venv/bin/ademcoach"
    assert "would run: /opt/ademcoach/venv/bin/pip install --quiet --upgrade --editable " \
        "/opt/ademcoach/src" in out


def test_installed_source_finds_its_shipped_config(tmp_path):
    # The unit's venv installs /opt/ademcoach/src in editable mode, so the packages are
    # imported from there and config/ (scenarios, programmes, shipped config) sits beside
    # them. Import them from the staged copy the same way and run hw-check --sim.
    root = staged(tmp_path)
    install(root)
    src = root / "opt" / "ademcoach" / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("ADEMCOACH_CONFIG", None)
    code = ("import sys, feedback.cli as c, device.scenario as s, feedback.programme as p\n"
            "print(c.REPO_CONFIG, s.SCENARIO_DIR.is_dir(), p.SHIPPED.is_dir())\n"
            "sys.exit(c.main(['hw-check', '--sim']))\n")
    r = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[0] == f"{src / 'config'} True True"
    assert "all checks passed" in r.stdout


def test_reinstall_makes_a_clean_copy_of_the_source(tmp_path):
    root = staged(tmp_path)
    install(root)
    stale = root / "opt" / "ademcoach" / "src" / "feedback" / "removed_module.py"
    stale.write_text("")
    install(root)
    assert not stale.exists()



def test_the_installed_copy_of_the_installer_can_install_again(tmp_path):
    # On the unit the installer lies in /opt/ademcoach/src/scripts, and that is the copy
    # a technician runs to install again: it must not empty the source it copies from.
    root = staged(tmp_path)
    install(root)
    src = root / "opt" / "ademcoach" / "src"
    env = {**os.environ, "DESTDIR": str(root)}
    r = subprocess.run(["sh", str(src / "scripts" / "install-pi.sh")], env=env,
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (src / "feedback" / "records.py").read_bytes() == (
        REPO / "feedback" / "records.py").read_bytes()
    assert (src / "config" / "ademcoach.toml").exists()
    assert not (root / "opt" / "ademcoach" / "src.new").exists()

def test_programmes_are_updated_unless_edited(tmp_path):
    root = staged(tmp_path)
    shipped = sorted(p.name for p in (REPO / "config" / "programs").glob("*.toml"))
    assert len(shipped) >= 2
    install(root)
    progs = root / "etc" / "ademcoach" / "programs"
    assert sorted(p.name for p in progs.iterdir()) == shipped
    edited, untouched = progs / shipped[0], progs / shipped[1]
    edited.write_text(edited.read_text() + "# the therapist's change\n")
    # the previous release shipped other versions of both; one file is as shipped then
    prev = root / "opt" / "ademcoach" / "shipped-programs"
    (prev / shipped[0]).write_text("# old release, edited\n")
    (prev / shipped[1]).write_text("# old release\n")
    untouched.write_text("# old release\n")
    out = install(root)
    assert "the therapist's change" in edited.read_text()
    new = progs / (shipped[0] + ".new")
    assert new.read_bytes() == (REPO / "config" / "programs" / shipped[0]).read_bytes()
    assert f"kept the edited programme {shipped[0]}; the new shipped version is " \
        f"{shipped[0]}.new" in out
    assert untouched.read_bytes() == (REPO / "config" / "programs" / shipped[1]).read_bytes()
    assert f"updated programme {shipped[1]}" in out
    # a programme the release adds arrives; one the therapist deleted comes back
    (root / "etc" / "ademcoach" / "programs" / shipped[1]).unlink()
    install(root)
    assert (progs / shipped[1]).exists()


def test_reinstalling_the_same_release_leaves_an_edited_programme_alone(tmp_path):
    """Every reinstall put a NAME.toml.new beside an edited programme and asked to
    compare and merge, even when the shipped file had not changed since the last one."""
    root = staged(tmp_path)
    name = sorted(p.name for p in (REPO / "config" / "programs").glob("*.toml"))[0]
    install(root)
    dst = root / "etc" / "ademcoach" / "programs" / name
    new = dst.with_name(name + ".new")
    dst.write_text(dst.read_text() + "# the therapist's change\n")
    out = install(root)
    assert not new.exists()
    assert f"kept the edited programme {name} (the shipped version did not change)" in out
    assert "the therapist's change" in dst.read_text()
    # a NAME.toml.new from a release that did change it waits, also over reinstalls
    prev = root / "opt" / "ademcoach" / "shipped-programs" / name
    prev.write_text("# old release\n")
    out = install(root)
    assert new.read_bytes() == (REPO / "config" / "programs" / name).read_bytes()
    assert f"the new shipped version is {name}.new" in out
    out = install(root)
    assert new.read_bytes() == (REPO / "config" / "programs" / name).read_bytes()
    assert f"{name}.new, shipped earlier, still waits to be compared" in out
    new.unlink()  # compared and merged
    out = install(root)
    assert not new.exists() and "the therapist's change" in dst.read_text()


def test_core_clock_is_fixed_once_for_the_ring(tmp_path):
    root = staged(tmp_path)
    install(root)
    out = install(root)
    boot = (root / "boot" / "firmware" / "config.txt").read_text()
    assert boot.count("# ademcoach: fixed core clock") == 1
    assert "already fixed" in out
    sections = {}
    current = None
    for line in boot.splitlines():
        if line.startswith("["):
            current = line
        elif "core_freq" in line:
            sections.setdefault(current, []).append(line)
    assert sections == {"[pi3]": ["core_freq=250"], "[pi02]": ["core_freq=250"],
                        "[pi4]": ["core_freq_min=500"]}
    assert boot.rstrip().endswith("[all]")  # later lines apply to every model again


def test_no_boot_config_is_said(tmp_path):
    out = install(tmp_path / "root")
    assert "neither raspi-config nor /boot/firmware/config.txt found" in out
    assert "fix the core clock by hand" in out


def test_the_screen_can_be_opened_on_a_fresh_install(tmp_path):
    # SDL's KMSDRM needs Mesa's DRI drivers; with --no-install-recommends they come only
    # when named, and the service starts after the boot splash has let go of the screen
    out = install(staged(tmp_path))
    apt = next(line for line in out.splitlines() if "would run: apt-get install" in line)
    assert "--no-install-recommends" in apt and "libgl1-mesa-dri" in apt.split()
    unit = (REPO / "systemd" / "ademcoach.service").read_text()
    after = " ".join(line.split("=", 1)[1] for line in unit.splitlines()
                     if line.startswith("After="))
    assert "plymouth-quit-wait.service" in after.split()


def test_the_service_gets_only_the_groups_that_exist(tmp_path):
    root = staged(tmp_path)
    (root / "etc").mkdir()
    (root / "etc" / "group").write_text("gpio:x:997:\ni2c:x:998:\nvideo:x:44:\n"
                                         "input:x:105:\naudio:x:29:\n")  # no spi, render
    out = install(root)
    dropin = root / "etc" / "systemd" / "system" / "ademcoach.service.d" / "groups.conf"
    lines = dropin.read_text().splitlines()
    assert "[Service]" in lines
    assert "SupplementaryGroups=i2c gpio video input audio" in lines
    assert "would run: usermod -a -G spi ademcoach" not in out and "no group spi" in out
    # the unit itself names no group that could be missing (216/GROUP)
    unit = (REPO / "systemd" / "ademcoach.service").read_text()
    assert not [x for x in unit.splitlines() if x.startswith("SupplementaryGroups=")]


def test_an_update_stops_the_service_before_replacing_its_program(tmp_path):
    out = install(staged(tmp_path)).splitlines()
    stop = next(i for i, x in enumerate(out)
                if x == "would run: systemctl stop ademcoach.service ademcoach-config.path")
    program = next(i for i, x in enumerate(out) if "program in /opt/ademcoach" in x)
    pip = next(i for i, x in enumerate(out) if "venv/bin/pip install" in x)
    assert stop < program < pip


def test_sdl_can_open_its_udev_monitor_for_input_devices():
    unit = (REPO / "systemd" / "ademcoach.service").read_text()
    families = next(x for x in unit.splitlines() if x.startswith("RestrictAddressFamilies="))
    assert set(families.split("=", 1)[1].split()) == {"AF_UNIX", "AF_NETLINK"}
    assert "PrivateNetwork=yes" in unit.splitlines()


@pytest.mark.parametrize("purge", [False, True])
def test_uninstall_removes_the_program_and_keeps_the_records_unless_purged(tmp_path, purge):
    root = staged(tmp_path)
    install(root)
    (root / "var" / "lib" / "ademcoach" / "records.sqlite").write_bytes(b"x")
    env = {**os.environ, "DESTDIR": str(root)}
    r = subprocess.run(["sh", str(REPO / "scripts" / "uninstall-pi.sh"),
                        *(["--purge"] if purge else [])],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "would run: systemctl disable --now ademcoach.service" in r.stdout
    system = root / "etc" / "systemd" / "system"
    assert not (system / "ademcoach.service").exists()
    assert not (system / "ademcoach.service.d").exists()
    assert not (system / "multi-user.target.wants" / "ademcoach.service").is_symlink()
    assert not (root / "opt" / "ademcoach").exists()
    assert not (root / "usr" / "local" / "bin" / "ademcoach").is_symlink()
    kept = (root / "var" / "lib" / "ademcoach" / "records.sqlite").exists()
    assert kept is not purge
    assert (root / "etc" / "ademcoach" / "ademcoach.toml").exists() is not purge
    assert ("would run: userdel ademcoach" in r.stdout) is purge


def test_the_usb_rule_takes_a_stick_labelled_ademcoach_in_any_case():
    """udev matches ENV{} values with shell globs ('|' between alternatives); the stick's
    label is stored as the user typed it (exFAT, NTFS) or upper case (FAT)."""
    import fnmatch
    import re

    rule = (REPO / "systemd" / "99-ademcoach-usb.rules").read_text()
    pattern = re.search(r'ENV\{ID_FS_LABEL\}=="([^"]+)"', rule).group(1)

    def matches(label):
        return any(fnmatch.fnmatchcase(label, alt) for alt in pattern.split("|"))

    for label in ("ADEMCOACH", "ademcoach", "Ademcoach", "AdemCoach", "aDEMcOACH"):
        assert matches(label), label
    for label in ("ADEMCOACH2", "ADEM", "USB STICK", ""):
        assert not matches(label), label
