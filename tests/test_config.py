import pytest
from words_check import assert_dutch

from feedback.config import defaults, load_config, validate
from feedback.config_rules import ConfigError
from feedback.words import Say, said, say


def write(tmp_path, text, name="ademcoach.toml"):
    p = tmp_path / name
    p.write_text(text) if isinstance(text, str) else p.write_bytes(text)
    return p


def test_shipped_config_is_valid_and_fully_commented(repo):
    path = repo / "config" / "ademcoach.toml"
    s = load_config(path)
    assert s.pacer.exhale_s == 6.0 and s.patient.language == "nl"
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            above = [x for x in lines[max(0, i - 6):i] if x.lstrip().startswith("#")]
            assert any("NL:" in x for x in above) and any("EN:" in x for x in above), (
                f"line {i + 1} ({line.strip()}) has no Dutch and English comment above it"
            )


def test_missing_keys_take_defaults(tmp_path):
    s = load_config(write(tmp_path, "[pacer]\nexhale_s = 8\n"))
    assert s.pacer.exhale_s == 8.0 and s.pacer.inhale_s == defaults().pacer.inhale_s
    assert s.source.endswith("ademcoach.toml")


BAD_FILES = [  # (file text, part of one of its problems)
    ("[pacer]\rexhale_s = 6.0\r", ":1: its lines end in CR only"),
    ("[pacer]\nx = " + "[" * 3000 + "]" * 3000 + "\n",  # (a RecursionError, a traceback)
     ":2: TOML syntax: lists or tables nested too deeply"),
    ("[pacer]\nexhale_s = [" + "1, " * 100 + "1]\n",  # a long value: its start is said
     ":2: pacer.exhale_s = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,...: must "
     "be a number"),
    ("[pacer]\nexhale_s = 40\n", ":2: pacer.exhale_s = 40: must be between 2 and 20 seconds"),
    ("[pacer]\nexhale_s = \"long\"\n", ":2: pacer.exhale_s = 'long': must be a number"),
    ("[pacer]\nexhal_s = 6\n", ":2: pacer.exhal_s: unknown key; did you mean 'exhale_s'?"),
    ("[pacr]\nexhale_s = 6\n", ":1: [pacr]: unknown section; did you mean 'pacer'?"),
    ("[ring]\npixels = 12.5\n", ":2: ring.pixels = 12.5: must be a whole number"),
    ("[ring]\npixels = 100\n", "ring.pixels = 100: must be between 12 and 60 pixels"),
    ("[buttons]\nnext_confirm_s = 20\n",
     ":2: buttons.next_confirm_s = 20: must be between 0 and 10 seconds"),
    ("[screen]\nfullscreen = 1\n", "screen.fullscreen = 1: must be true or false"),
    ("[screen]\nview = \"ver\"\n", ":2: screen.view = 'ver': must be one of 'far', 'near'"),
    ("[patient]\nlanguage = \"de\"\n", "patient.language = 'de': must be one of 'nl', 'en'"),
    ("[patient]\ncode = \"Jan de Vries\"\n", "must be a pseudonymous code"),
    ("[patient]\ndaily_minutes = 0\n",
     ":2: patient.daily_minutes = 0: must be between 1 and 60 minutes"),
    ("[pacer]\nmode = \"fixed\"\n[pacer.x]\n", ":3: pacer.x: unknown key"),
    ("[patient]\ncode = \"a\"\n[[pacer]]\nmode = \"fixed\"\n",  # (said without a line)
     ":3: pacer: must be a section [pacer]"),
    ("[sensor]\nbelts = [\"chest\", \"belly\"]\n",  # (said without a line: only the belts
     ":2: sensor.channels: lists 1 channel for 2 belts"),  # are in the file)
    ("[pacer]\nmode = \"adaptive\"\nexhale_s = 12\n",  # (max_exhale_s at its default 10)
     ":3: pacer.max_exhale_s = 10: must not be shorter than pacer.exhale_s = 12"),
    ("[pacer]\nmin_rate_bpm = 8\n",  # (target_rate_bpm at its default 6)
     ":2: pacer.target_rate_bpm = 6: must not be below pacer.min_rate_bpm = 8"),
    ("[records]\ndata_dir = \"records/here\"\n",
     ":2: records.data_dir = 'records/here': give a full path"),
    ("[records]\ndata_dir = \"/var/lib/a\\u0000b\"\n",  # (a traceback when the run opened it)
     ":2: records.data_dir = '/var/lib/a\\x00b': must be a folder's path on one line, "
     "without control characters"),
    ("[buttons]\nnext = 17\n", "buttons.next = 17: GPIO 17 is already used"),
    ("[pacer\nx=1\n", ":1: TOML syntax:"),
    ("[pacer]\nexhale_s = \n", ":2: TOML syntax:"),
    ("", "the file is empty"),
    ("   \n\n", "the file is empty"),
    ("[pacer]\nexhale_s = 6.0\n".encode("utf-16"),  # (was "not a text file")
     ": saved as UTF-16 (Notepad's \"Unicode\"): save it again as UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not a text file"),
    # (a letter typed in an editor that saves Windows' "ANSI": was "not a text file")
    ("[patient]\ncode = \"AB12\"\n# patiënt\n".encode("cp1252"),
     ":3: not saved as UTF-8 (an editor's \"ANSI\" encoding, at a letter such as ë): "
     "save it again as UTF-8"),
    (b"[pacer]\nexhale_s = 6\x00\n", ":2: not a text file (contains NUL bytes)"),
    ("patient = 3\n", "patient: must be a section [patient]"),
    ("[pacer]\nexhale_s = 6,5\n",
     ":2: TOML syntax: exhale_s = 6,5: write a decimal point, not a comma (6.5)"),
    ("[sound]\nenabled = True\n", ":2: TOML syntax: enabled = True: write true"),
    # (the Dutch a therapist types, capitalised or as the comments say it: "true = aan";
    # it was told to put it in quotes, which only gives the next problem)
    ("[cues]\ngood = Ja\n", ":2: TOML syntax: good = Ja: write true (lower case, no quotes)"),
    ("[sound]\nenabled = NEE\n", ":2: TOML syntax: enabled = NEE: write false"),
    ("[cues]\nbelly = uit\n", ":2: TOML syntax: belly = uit: write false"),
    ("[screen]\nfullscreen = Aan\n", ":2: TOML syntax: fullscreen = Aan: write true"),
    ("[pacer]\nmode = off\n",  # (not a switch: "off" is one of its words)
     ':2: TOML syntax: mode = off: put text in double quotes: mode = "off"'),
    # (a number or a yes in quotes: "must be a number" of '8' read as nonsense)
    ("[cues]\nmin_gap_s = \"8\"\n", ":2: cues.min_gap_s = '8': must be a number between 2 "
     "and 60 seconds, without quotes: write 8"),
    ("[pacer]\nexhale_s = \"6,5\"\n", "pacer.exhale_s = '6,5': must be a number between 2 "
     "and 20 seconds, without quotes: write 6.5"),
    ("[ring]\npixels = \"16\"\n", "ring.pixels = '16': must be a whole number between 12 and "
     "60 pixels, without quotes: write 16"),
    ("[cues]\ngood = \"true\"\n", ":2: cues.good = 'true': must be true or false, without "
     "quotes: write true"),
    ("[cues]\ngood = \"Nee\"\n", "cues.good = 'Nee': must be true or false, without quotes: "
     "write false"),
    ("[patient]\nlanguage = en\n",
     ':2: TOML syntax: language = en: put text in double quotes: language = "en"'),
    ("[pacer]\nexhale_s = 6.0\nexhale_s = 7.0\n",
     ":3: TOML syntax: 'exhale_s' is given twice; keep one"),
    ("[sensor]\nbelts = [\"chest\", \"belly\"]\nchannels = [\"A0\", \"A0\"]\n",
     ":3: sensor.channels = ['A0', 'A0']: the two belts share an ADC pin"),
    ("[sensor]\nbelts = [\"chest\", \"belly\"]\nchannels = [\"A0-A1\", \"A1\"]\n",
     "the two belts share an ADC pin"),
    ("[sensor]\ndata_rate = 8\n",
     ":2: sensor.data_rate = 8: too slow for 1 belt at sensor.rate_hz = 50"),
    # (one belt at the fastest conversions: the I2C traffic is the limit)
    ("[sensor]\nrate_hz = 250\n",
     ":2: sensor.data_rate = 860: too slow for 1 belt at sensor.rate_hz = 250 (a conversion "
     "with its I2C traffic takes 3.7 ms); lower sensor.rate_hz to 218 or less (at "
     "data_rate = 860)"),
    ("[buttons]\nbuzzer = 10\n",
     ":2: buttons.buzzer = 10: GPIO 10 is already used by the LED ring's SPI bus 0"),
    ("[buttons]\nstart_pause = 2\n",
     "buttons.start_pause = 2: GPIO 2 is already used by the sensor's I2C bus 1 (SDA)"),
    ("[ring]\nspi_bus = 2\n", ":2: ring.spi_bus = 2: must be between 0 and 1"),
    # (only bus 1's pins were checked)
    ("[sensor]\ni2c_bus = 0\n[buttons]\nthird = 0\n",
     ":4: buttons.third = 0: GPIO 0 is already used by the sensor's I2C bus 0 (SDA)"),
    ("[sensor]\ni2c_bus = 0\n[buttons]\nbuzzer = 1\n",
     ":4: buttons.buzzer = 1: GPIO 1 is already used by the sensor's I2C bus 0 (SCL)"),
    ("[ring]\nspi_bus = 1\n[buttons]\nthird = 18\n",
     ":4: buttons.third = 18: GPIO 18 is already used by the LED ring's SPI bus 1"),
    ("[sensor]\naddress = 72.0\n",  # (passed, and hw-check failed with a traceback)
     ":2: sensor.address = 72.0: must be a whole number: one of 0x48, 0x49, 0x4a, 0x4b"),
    ("[sensor]\ngain = 1.0\n", ":2: sensor.gain = 1.0: must be a whole number: 1"),
    ("[sensor]\naddress = 73.0\n",
     ":2: sensor.address = 73.0: must be a whole number: one of 0x48, 0x49, 0x4a, 0x4b"),
    ("[sensor]\ndata_rate = true\n", ":2: sensor.data_rate = true: must be one of 8, 16,"),
    ("[sensor]\naddress = 0x99\n",
     ":2: sensor.address = 0x99: must be one of 0x48, 0x49, 0x4a, 0x4b"),
    ("[ring]\nspi_bus = 1\n[buttons]\nnext = 20\n",
     ":4: buttons.next = 20: GPIO 20 is already used by the LED ring's SPI bus 1"),
    ("[analysis]\npolarity = \"upside\"\n",
     ":2: analysis.polarity = 'upside': must be one of 'normal', 'inverted', 'auto'"),
    ("[analysis]\npolarity = [\"normal\", \"upside\"]\n",
     "analysis.polarity = ['normal', 'upside']: item 2: must be one of"),
    ("[pacer]\npattern = \"rate\"\nrate_bpm = 6\nhold_in_s = 5\nhold_out_s = 10\n",
     ":5: pacer: 10 s a breath (6/min) at exhale:inhale 1.5, with 15 s of pauses, leaves "
     "0.0 s to breathe in and 0.0 s out; at least 1 s in and 2 s out"),
    ("[pacer]\npattern = \"rate\"\nrate_bpm = 20\nratio = 4\n",
     ":4: pacer: 3 s a breath (20/min) at exhale:inhale 4, with 1 s of pauses, leaves "
     "0.4 s to breathe in and 1.6 s out"),
    ("[pacer]\nmode = \"adaptive\"\npattern = \"rate\"\nrate_bpm = 3\nratio = 3\n",
     "pacer.max_exhale_s = 10: must not be shorter than the 14.2 s that pacer.rate_bpm "
     "and ratio give (the adaptive pacer starts from it)"),
    ("[pacer]\nstart_ratio = 4\ninhale_s = 1\nexhale_s = 2\nhold_out_s = 0\n",
     ":2: pacer.start_ratio = 4: the progression would start at 3 s a breath (20/min) at "
     "exhale:inhale 4, leaves 0.6 s to breathe in and 2.4 s out"),
    ("[cues]\nslower = true\nslower = false",  # the last line without a newline
     ":3: TOML syntax: 'slower' is given twice; keep one"),
    ("[cues]\nslower = true\n[cues]\nbelly = true\n",
     ":3: TOML syntax: section [cues] is given twice: put all its keys under one [cues]"),
    ('[patient]\ncode = "abc', ":2: TOML syntax: the text is not closed: a quote is missing"),
    ("[ring]\npixels = 16.0\n", ":2: ring.pixels = 16.0: must be a whole number"),
    # every gain but 1 is refused, in one line that says so and why (gain 3 was told
    # "one of 1, 2, 4, 8, 16", and 2-16 then refused with another line)
    ("[sensor]\ngain = 3\n", ":2: sensor.gain = 3: must be 1: the ADS1115's range at gain 1 "
     "is +-4.096 V; the belt circuit swings over 0-3.3 V and an unplugged belt sits at "
     "3.3 V (docs/hardware.md), so at a higher gain (at most 2.048 V) every belt would read "
     "as cut off or disconnected"),
    ("[sensor]\ngain = 4\n", ":2: sensor.gain = 4: must be 1: the ADS1115's range at gain 1 "
     "is +-4.096 V; the belt circuit swings over 0-3.3 V"),
    ('[sensor]\nchannels = "A0"\n',
     ":2: sensor.channels = 'A0': must be a list in square brackets: [\"A0\"]"),
    ("[analysis]\npolarity = [\"normal\", \"inverted\"]\n",
     ":2: analysis.polarity: lists 2 values for 1 belt; give one for all belts or one "
     "per belt"),
]


@pytest.mark.parametrize("text, expected", BAD_FILES)
def test_bad_files_give_clear_messages(tmp_path, text, expected):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    messages = [str(x) for x in err.value.problems]
    assert any(expected in m for m in messages), messages
    assert all(m.startswith(str(p)) for m in messages)
    assert err.value.exit_code == 2


@pytest.mark.parametrize("text, problem", [
    ('[sensor]\nbelts = ["chest", "belly"]\nchannels = ["A0", "A1", "A2"]\n',
     "sensor.channels = ['A0', 'A1', 'A2']: must list 1 to 2 items"),
    ('[pacer]\npattern = "rate"\nrate_bpm = 2\nhold_out_s = 10\n',
     "pacer.rate_bpm = 2: must be between 3 and 20 breaths/min"),
    ("[buttons]\nstart_pause = 27\nnext = 99\n",
     "buttons.next = 99: must be between 0 and 27"),
    ('[sensor]\nbelts = ["chest", "belly"]\nchannels = ["A0", "A1"]\nrate_hz = 400\n',
     "sensor.rate_hz = 400: must be between 10 and 250 samples/s"),
])
def test_a_rejected_value_is_one_problem_not_a_second_about_its_default(tmp_path, text,
                                                                         problem):
    """A value the file gives wrong is said wrong; the rules across keys then judged the
    default that stood in for it and told of a file that was not there: channels = ["A0",
    "A1", "A2"] was also "lists 1 channel for 2 belts", rate_bpm = 2 also "10 s a breath
    (6/min)", next = 99 also "GPIO 27 is already used"."""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    messages = [str(x).split(":", 2)[2].strip() for x in err.value.problems]
    assert messages == [problem]


@pytest.mark.parametrize("text, problem", [
    ('[patient]\ndaily_minutes = "ja"\n',
     "patient.daily_minutes = 'ja': must be a number between 1 and 60 minutes"),
    ('[records]\nkeep_days = "yes"\n',
     "records.keep_days = 'yes': must be a whole number between 1 and 3650 days"),
    ('[records]\nkeep_days = "8,5"\n',
     "records.keep_days = '8,5': must be a whole number between 1 and 3650 days"),
    ('[cues]\ngood = "8"\n', "cues.good = '8': must be true or false"),
    ('[cues]\ngood = "Aan"\n',
     "cues.good = 'Aan': must be true or false, without quotes: write true"),
    ('[screen]\nfullscreen = "uit"\n',
     "screen.fullscreen = 'uit': must be true or false, without quotes: write false"),
])
def test_quotes_are_only_said_of_what_the_key_takes(tmp_path, text, problem):
    """Quotes round a value of the key's kind are said, with how to write it; round one of
    another kind they are not the problem: a number given "ja" was told to "write true",
    a switch given "8" to "write 8", a whole number "8,5" to "write 8.5" (each a new
    'must be'). A switch's "aan"/"uit" in quotes is a yes or no, as it is without them."""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    messages = [str(x).split(":", 2)[2].strip() for x in err.value.problems]
    assert messages == [problem]


@pytest.mark.parametrize("text, problem", [
    ("[patient]\nlanguage = ja\n",
     'TOML syntax: language = ja: put text in double quotes: language = "ja"'),
    ("[patient]\ndaily_minutes = Nee\n",
     'TOML syntax: daily_minutes = Nee: put text in double quotes: daily_minutes = "Nee"'),
    ("[cues]\ngood = Ja\n", "TOML syntax: good = Ja: write true (lower case, no quotes)"),
    ("[cues]\ngoood = yes\n", "TOML syntax: goood = yes: write true (lower case, no quotes)"),
])
def test_a_bare_yes_or_no_is_told_to_be_true_or_false_only_for_a_switch(tmp_path, text,
                                                                          problem):
    """language = ja (Japanese, or a 'yes') and daily_minutes = Nee were told to "write
    true" or "write false", which the key does not take either; a switch (or a key not
    known, likely a switch mistyped) is."""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    messages = [str(x).split(":", 2)[2].strip() for x in err.value.problems]
    assert messages == [problem]


@pytest.mark.parametrize("gain", [2, 3, 16])
def test_a_gain_other_than_1_is_one_problem(tmp_path, gain):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, f"[sensor]\ngain = {gain}\n"))
    (p,) = err.value.problems
    assert str(p).endswith(f":2: sensor.gain = {gain}: must be 1: the ADS1115's range at "
                           "gain 1 is +-4.096 V; the belt circuit swings over 0-3.3 V and an "
                           "unplugged belt sits at 3.3 V (docs/hardware.md), so at a higher "
                           "gain (at most 2.048 V) every belt would read as cut off or "
                           "disconnected")


def test_all_errors_are_collected_in_one_pass(tmp_path):
    p = write(tmp_path, "[pacer]\nexhale_s = 40\ninhale_s = 0\n[ring]\npixel = 16\n")
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert len(err.value.problems) == 3
    assert "(and 2 more)" in str(err.value)


def test_a_fifo_or_a_device_is_no_config_and_is_not_waited_on(tmp_path):
    """check-config on a FIFO hung (opened to be read, it waits for a writer)."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "ademcoach.toml"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/null"):
        try:
            done = subprocess.run([sys.executable, "-m", "feedback.cli", "check-config",
                                   str(path)], capture_output=True, text=True, timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"check-config {path} waited")
        assert done.returncode == 2
        assert done.stderr == (f"{path}: is not a regular file (a pipe or a device), not a "
                               "config file\n")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml")


def test_validate_without_text_has_no_lines():
    with pytest.raises(ConfigError) as err:
        validate({"pacer": {"exhale_s": 1}})
    assert str(err.value) == "<config>: pacer.exhale_s = 1: must be between 2 and 20 seconds"


def test_a_byte_order_mark_is_read_past(tmp_path):
    p = write(tmp_path, "\ufeff[pacer]\nexhale_s = 7.0\n".encode("utf-8"))
    assert load_config(p).pacer.exhale_s == 7.0


def test_problems_come_in_the_order_of_the_file(tmp_path):
    p = write(tmp_path, "[sensor]\ndata_rate = 8\n[ring]\npixel = 16\n[buttons]\nnext = 17\n")
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert [x.line for x in err.value.problems] == [2, 4, 6]


def test_a_data_dir_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "records.txt"
    afile.write_text("x")
    p = write(tmp_path, f'[records]\ndata_dir = "{afile}"\n')
    with pytest.raises(ConfigError, match=r":2: records.data_dir = .*: is a file; give a dir"):
        load_config(p)
    p = write(tmp_path, f'[records]\ndata_dir = "{tmp_path / "new"}"\n')
    assert load_config(p).records.data_dir.endswith("new")  # made when first needed


def test_polarity_can_be_given_per_belt(tmp_path):
    from feedback.analysis import BreathAnalyzer

    s = load_config(write(tmp_path, '[sensor]\nbelts = ["chest", "belly"]\n'
                                    'channels = ["A0", "A1"]\n'
                                    '[analysis]\npolarity = ["normal", "inverted"]\n'))
    assert s.analysis.polarity == ["normal", "inverted"]
    an = BreathAnalyzer(s.sensor.belts, polarity=s.analysis.polarity)
    assert an.inverted == (False, True)


@pytest.mark.parametrize("text, expected", BAD_FILES)
def test_every_problem_is_also_said_in_dutch(tmp_path, text, expected):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    for p in err.value.problems:
        assert_dutch(p.message)


@pytest.mark.parametrize("text, dutch", [
    ("[pacer]\nexhale_s = 40\n", "pacer.exhale_s = 40: moet tussen 2 en 20 seconden liggen"),
    ("[ring]\npixels = 12.5\n",
     "ring.pixels = 12.5: moet een geheel getal tussen 12 en 60 pixels zijn"),
    ("[pacer]\nexhal_s = 6\n", "pacer.exhal_s: onbekende instelling; bedoel je 'exhale_s'?"),
    ("[sensor]\nbelts = [\"chest\", \"belly\"]\n",
     "sensor.channels: noemt 1 kanaal voor 2 banden; geef één kanaal per band"),
    ("[pacer]\nexhale_s = 6,5\n",
     "TOML-schrijfwijze: exhale_s = 6,5: schrijf een punt, geen komma (6.5)"),
    ('[patient]\ncode = "abc', "TOML-schrijfwijze: de tekst is niet gesloten: een "
     "aanhalingsteken ontbreekt"),
    ("[pacer]\nexhale_s = 6 7\n", "TOML-schrijfwijze: na de waarde hoort niets meer op deze "
     "regel (uitleg achter een #) (kolom 14)"),
    ("[pacer]\ninhale_s = 10\nhold_in_s = 5\nexhale_s = 20\nhold_out_s = 10\n",
     "pacer: 10 s in + 5 s pauze + 20 s uit + 10 s pauze = 45 s per ademhaling (1,3/min): "
     "trager dan 3 ademhalingen/min"),
    ("[cues]\nmin_gap_s = \"8\"\n", "cues.min_gap_s = '8': moet een getal tussen 2 en 60 "
     "seconden zijn, zonder aanhalingstekens: schrijf 8"),
    # (a "pseudoniem" is a made-up name: the very thing the code must not be)
    # (what was typed is not repeated: it may be the patient's name)
    ('[patient]\ncode = "Jan de Vries"\n', "patient.code: moet een "
     "pseudonieme code zijn van hoogstens 16 letters, cijfers, - of _"),
])
def test_dutch_problems_read_as_dutch(tmp_path, text, dutch):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert any(dutch in said(p.message, "nl") for p in err.value.problems), [
        said(p.message, "nl") for p in err.value.problems]




def prose(dutch: str) -> str:
    """A message without what the file writes: 'key = value' and quoted text."""
    import re

    return re.sub(r"[\w.\[\]]+ = \S+|'[^']*'|\"[^\"]*\"", "", dutch)


@pytest.mark.parametrize("text", [
    "[pacer]\ninhale_s = 9.5\nexhale_s = 12.5\n",
    '[pacer]\npattern = "rate"\nrate_bpm = 20\nratio = 4\n',
    '[pacer]\nmode = "adaptive"\nmin_rate_bpm = 12\ntarget_rate_bpm = 12\n'
    'inhale_s = 3.5\n',
    '[pacer]\nmode = "adaptive"\npattern = "rate"\nrate_bpm = 3\nratio = 3\n',
    "[pacer]\nstart_ratio = 4\ninhale_s = 1\nexhale_s = 2\nhold_out_s = 0.5\n",
    '[sensor]\nbelts = ["chest", "belly"]\nchannels = ["A0", "A1"]\ndata_rate = 250\n'
    "rate_hz = 250\n",
    "[sensor]\ngain = 2\n",  # (its why: the ADS1115's range and the belt circuit's volts)
])
def test_dutch_problems_write_their_own_numbers_with_a_decimal_comma(tmp_path, text):
    """The Dutch screen writes 1,5 (its numbers, the report's); a problem's rhythm said
    "11 s per ademhaling (5.5/min)", "laat 0.4 s over". What the file writes ('key =
    value', what to type) keeps its point."""
    import re

    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    for p in err.value.problems:
        dutch = said(p.message, "nl")
        assert re.search(r"\d,\d", dutch), dutch
        assert not re.search(r"\d\.\d", prose(dutch)), dutch
        assert not re.search(r"\d,\d", str(p.message)), str(p.message)

@pytest.mark.parametrize("text", [
    '[pacer]\nmode = "adaptive"\nmax_exhale_s = 4\n',
    '[pacer]\nmode = "adaptive"\nmin_rate_bpm = 12\ntarget_rate_bpm = 12\n',
])
def test_the_dutch_calls_the_adaptive_pacer_as_the_file_does(tmp_path, repo, text):
    """ademcoach.toml's comments call it the "adaptieve ademgids"; its problems called it
    the "meegaande ademgids", a second name for the one setting."""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    dutch = " ".join(said(p.message, "nl") for p in err.value.problems)
    assert "adaptieve ademgids" in dutch and "meegaand" not in dutch, dutch
    assert "adaptieve ademgids" in (repo / "config" / "ademcoach.toml").read_text()

@pytest.mark.parametrize("text", [
    "[pacer\n", "[[exercise]\n", "x = [1, 2\n", "x = {a = 1\n", "x = 1 2\n", "x = \"a\\q\"\n",
    "= 1\n", "x 1\n", "x = 1979-13-40\n", "x = {a = 1, a = 2}\n", "x = 'a\x01'\n",
    "x = \"\\uD800\"\n", "a.b = 1\na = 2\n", "x = @\n",
])
def test_toml_syntax_is_said_in_dutch(tmp_path, text):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    (p,) = err.value.problems
    assert p.message.startswith("TOML syntax: ")
    assert_dutch(p.message)
    assert said(p.message, "nl").startswith("TOML-schrijfwijze: ")



@pytest.mark.parametrize("text, english, dutch", [
    ("[pacer]\nexhale_s = \n", "TOML syntax: invalid value: put text in quotes, write a "
     "number with a decimal point and yes/no as true/false (column 12)",
     "TOML-schrijfwijze: ongeldige waarde: zet tekst tussen aanhalingstekens, schrijf een "
     "getal met een punt en ja/nee als true/false (kolom 12)"),
    ("[pacer]\nexhale_s = 6 7\n", "TOML syntax: nothing more belongs on this line after "
     "the value (an explanation goes after a #) (column 14)", "TOML-schrijfwijze: na de "
     "waarde hoort niets meer op deze regel (uitleg achter een #) (kolom 14)"),
    ('[patient]\ncode = "abc\nlanguage = "en"\n', "TOML syntax: the text is not closed: a "
     "quote is missing", "TOML-schrijfwijze: de tekst is niet gesloten: een "
     "aanhalingsteken ontbreekt"),
    ("[sensor]\nbelts = [\"belly\"\n", "TOML syntax: the list is not closed: ] is missing",
     "TOML-schrijfwijze: de lijst is niet gesloten: ] ontbreekt"),
    ('[records]\ndata_dir = "C:\\data"\n', "TOML syntax: a backslash in text must be "
     "doubled", "TOML-schrijfwijze: een backslash in tekst moet dubbel"),
])
def test_toml_syntax_is_said_the_same_in_english_and_dutch(tmp_path, text, english, dutch):
    """The English screen and check-config gave tomllib's own words ("Invalid value",
    "Expected newline or end of document after a statement", "Illegal character '\\n'"
    for text without its closing quote), where the Dutch said what to do."""
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    (p,) = err.value.problems
    assert str(p.message).startswith(english), str(p.message)
    assert said(p.message, "nl").startswith(dutch), said(p.message, "nl")

def test_a_message_keeps_its_dutch_when_copied_or_pickled():
    import copy
    import pickle

    m = say("{k}: must be {r}", "{k}: moet {r} zijn", k="a.b", r=Say("true", "waar"))
    assert (m, m.nl) == ("a.b: must be true", "a.b: moet waar zijn")
    for again in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert (again, again.nl) == (m, m.nl)


def test_the_pins_of_the_i2c_bus_not_used_are_free(tmp_path):
    s = load_config(write(tmp_path, "[sensor]\ni2c_bus = 0\n[buttons]\nthird = 2\nbuzzer = 3\n"))
    assert (s.buttons.third, s.buttons.buzzer) == (2, 3)
    s = load_config(write(tmp_path, "[buttons]\nthird = 0\nbuzzer = 1\n"))  # on bus 1
    assert (s.buttons.third, s.buttons.buzzer) == (0, 1)


def test_the_shipped_config_says_which_keys_need_a_restart(repo):
    """The file's header says a changed file is picked up by itself; every key the
    running unit keeps until a restart (feedback/reload.py) says so, in both languages,
    above it or at the top of its section ([records] and analysis.polarity did not)."""
    from feedback.config_schema import SCHEMA
    from feedback.reload import RESTART_KEYS

    lines = (repo / "config" / "ademcoach.toml").read_text(encoding="utf-8").splitlines()

    def comments(start: int) -> str:  # the comment lines from ``start`` up to a key
        out = []
        for line in lines[start:]:
            if not line.startswith("#"):
                break
            out.append(line)
        return "\n".join(out).lower()

    for section, keys in RESTART_KEYS.items():
        head = lines.index(f"[{section}]")
        top = comments(head + 1)
        if keys is None:
            assert "needs a restart" in top and "vereist" in top and "herstart" in top, section
            continue
        for key in keys:
            at = next(i for i in range(head + 1, len(lines))
                      if lines[i].split("=")[0].strip() == key)
            start = at
            while "=" in lines[start - 1] and not lines[start - 1].startswith("#"):
                start -= 1  # (keys in a row share the comment above the first)
            while start > head + 1 and lines[start - 1].startswith("#"):
                start -= 1
            text = comments(start)
            assert "needs a restart" in text and "vereist herstart" in text, f"{section}.{key}"
        assert set(keys) <= set(SCHEMA[section])


def test_a_config_is_refused_unread_above_256_kb_and_parsed_below(tmp_path):
    """A changed config is parsed on the loop's thread: a file of 1 MB (the old limit)
    took 0.1 s here, longer on a Pi. Above 256 kB it is no config and is not parsed."""
    from feedback.config import MAX_FILE_BYTES

    body = "[pacer]\nexhale_s = 7.0\n"
    pad = "# " + "x" * 97 + "\n"
    under = body + pad * ((MAX_FILE_BYTES - len(body)) // len(pad))
    assert len(under) <= MAX_FILE_BYTES == 256 * 1024
    assert load_config(write(tmp_path, under)).pacer.exhale_s == 7.0
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, under + pad))
    assert "larger than 256 kB: not a config file" in str(err.value)
