"""Run benchmarks and write their sections into docs/benchmarks.md.

``python -m bench`` runs every ``bench/bench_*.py``; ``python -m bench analysis ring`` runs
only those. With more than one, each runs in a fresh interpreter of its own, so what one
loaded (NeuroKit2, recordings) is not in the next one's memory or CPU figures. Each
module has ``run() -> str`` returning a Markdown section (without its heading line). A
section is stored between ``<!-- bench:NAME -->`` markers, so running one benchmark keeps
the others' last results. Every section is stamped with the date and the machine it was
measured on.
"""

import datetime
import importlib
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "benchmarks.md"
HEAD = """# Benchmarks

Measured with `make bench` (`python -m bench [NAME...]`). The machine is shared and noisy:
numbers are medians, and comparisons are ratios measured side by side in the same run.
Each section says when and where it was measured.
"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def available() -> list[str]:
    return sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))


def write_section(text: str, name: str, body: str) -> str:
    stamp = f"_Measured {datetime.date.today().isoformat()} on {machine()}._\n\n"
    block = f"<!-- bench:{name} -->\n{stamp}{body.strip()}\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->",
                         re.S)
    if pattern.search(text):
        return pattern.sub(lambda _m: block, text)
    return text.rstrip() + "\n\n" + block + "\n"


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"bench: no benchmark {', '.join(unknown)}; have {', '.join(available())}",
              file=sys.stderr)
        return 2
    if len(names) > 1:
        for name in names:
            code = subprocess.call([sys.executable, "-m", "bench", name])
            if code:
                return code
        return 0
    text = OUT.read_text(encoding="utf-8") if OUT.exists() else HEAD
    for name in names:
        print(f"bench: running {name} ...", flush=True)
        body = importlib.import_module(f"bench.bench_{name}").run()
        print(body)
        text = write_section(text, name, body)
        OUT.write_text(text, encoding="utf-8")
    print(f"bench: wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
