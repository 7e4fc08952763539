import pytest

from feedback.errors import RecordingError
from feedback.recording import RecordingReader, RecordingWriter, read_recording


def write(tmp_path, text, name="rec.csv"):
    p = tmp_path / name
    p.write_bytes(text) if isinstance(text, bytes) else p.write_text(text)
    return p


def test_reads_rows_and_picks_channels(tmp_path):
    p = write(tmp_path, "t,chest,belly\n0,1.5,-2\n0.02,1.6,-2.5\n\n0.05,1.7,-3e-1\n")
    with RecordingReader(p) as r:
        assert r.columns == ["chest", "belly"]
        rows = list(r)
    assert [s.t for s in rows] == [0, 0.02, 0.05]
    assert rows[2].values == (1.7, -0.3) and rows[2].line == 5
    with RecordingReader(p, ["belly"]) as r:
        assert [s.values for s in r] == [(-2.0,), (-2.5,), (-0.3,)]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("", 1, "empty file"),
        ("\n\n", 1, "empty file"),
        ("time,resp\n0,1\n", 1, "first column must be 't'"),
        ("t\n0\n", 1, "no signal column"),
        ("t,a,a\n0,1,2\n", 1, "'a' appears twice"),
        ("t,a,\n0,1,2\n", 1, "column 3 has no name"),
        ("t,resp\n", 1, "no samples after the header"),
        ("t,resp\n0,1\n0.1,abc\n", 3, "not a number: 'abc'"),
        ("t,resp\n0,1\n0.1,1_5.0\n", 3, "not a number: '1_5.0'"),  # (read as 15.0)
        ("t,resp\r0,1\r0.1,2\r", 1, "its lines end in CR only"),  # (was 3 odd columns)
        ("t,resp\n0,1\r0.1,2\r0.2,3\r", 2, "its lines end in CR only"),  # after an LF header
        (b"t,resp\n0," + b"1" * (1 << 20) + b"\n", 2, "a line longer than 1 MB"),
        ("t," + ",".join(f"b{i}" for i in range(50_000)) + ",b7\n", 1,
         "column name 'b7' appears twice"),  # (quadratic: 23 s)
        ("t,resp\n0,1\n0.1,\uff11\n", 3, "not a number: '\uff11'"),  # a fullwidth 1
        ("t,resp\n0,1\n0.1\n", 3, "expected 2 cells, found 1"),
        ("t,resp\n0,1\n0.1,2,3\n", 3, "expected 2 cells, found 3"),
        ("t,resp\n0,1\n0.2,2\n0.1,3\n", 4, "time goes backwards"),
        ("t,resp\n0,1\n0,2\n", 3, "stands still"),
        ("t,resp\n0,nan\n", 2, "finite"),
        ("t,resp\n0,1\n0.1,inf\n", 3, "finite"),
        ("t,resp\n0,1\n0.1,-1e999\n", 3, "nor numbers too large for a float"),
        ("\n\ntime,resp\n0,1\n", 3, "first column must be 't'"),
        ("\n\nt,resp\n0,1\n0.1,abc\n", 5, "not a number: 'abc'"),
        (b"t,resp\n0,1\n0.1,\xff\n0.2,2\n", 3, "not a text file (not UTF-8)"),
        (b"t,r\xe9sp\n0,1\n", 1, "not a text file (not UTF-8)"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, text, line, message):
    p = write(tmp_path, text)
    with pytest.raises(RecordingError) as err, RecordingReader(p) as r:
        list(r)
    assert err.value.line == line
    assert message in str(err.value)
    assert str(err.value).startswith(f"{p}:{line}: ")
    assert err.value.exit_code == 2


def test_a_number_padded_with_a_non_breaking_space_is_read(tmp_path):
    p = write(tmp_path, "t,resp\n0,1\n0.1,\u00a01.5\n")
    with RecordingReader(p) as r:
        assert [s.values for s in r] == [(1.0,), (1.5,)]


def test_a_byte_order_mark_then_blank_lines_before_the_header_is_read(tmp_path):
    p = write(tmp_path, "\ufeff\n\nt,resp\n0,1\n0.1,2\n")  # (was: first column must be 't')
    with RecordingReader(p) as r:
        assert r.columns == ["resp"] and [s.values for s in r] == [(1.0,), (2.0,)]


def test_missing_file_and_channel_and_binary(tmp_path):
    with pytest.raises(RecordingError, match="no such file"):
        RecordingReader(tmp_path / "nope.csv")
    with pytest.raises(RecordingError, match="is a directory"):
        RecordingReader(tmp_path)
    p = write(tmp_path, "t,resp\n0,1\n")
    with pytest.raises(RecordingError, match="no channel 'chest'; the file has resp"):
        RecordingReader(p, ["chest"])
    b = tmp_path / "bin.csv"
    b.write_bytes(b"\xff\xfe\x00garbage\x89PNG")
    with pytest.raises(RecordingError, match="not a text file"):
        list(RecordingReader(b))


def test_writer_output_reads_back(tmp_path):
    p = tmp_path / "out.csv"
    with RecordingWriter(p, ["chest", "belly"]) as w:
        for i in range(100):
            w.write(i * 0.02, (i * 0.5, -i))
    cols, ts, vals = read_recording(p)
    assert cols == ["chest", "belly"]
    assert len(ts) == 100 and ts[-1] == pytest.approx(1.98)
    assert vals[10] == (5.0, -10.0)
    with pytest.raises(ValueError, match="expected 2 values"):
        RecordingWriter(tmp_path / "x.csv", ["a", "b"]).write(0, (1,))


def test_streams_a_real_recording(data_dir):
    with RecordingReader(data_dir / "bidmc" / "bidmc01.csv") as r:
        assert r.columns == ["resp"]
        n = sum(1 for _ in r)
    assert n == 8 * 60 * 125 + 1  # 0 to 480 s at 125 Hz, both ends included
