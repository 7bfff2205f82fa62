"""Uploaded archives cannot escape their folder, explode, or crash the grader."""

import stat
import zipfile

import pytest

from autograder.files import regular_files
from autograder.submission.archive import MAX_ZIP_BYTES, MAX_ZIP_FILES, SubmissionError, extract_zip, open_inner_zips


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "a/../../evil.py"])
def test_zip_entries_cannot_escape(tmp_path, name):
    archive = make_zip(tmp_path / "bad.zip", [(name, "x")])
    with pytest.raises(SubmissionError, match="outside the archive"):
        extract_zip(archive, tmp_path / "out")
    assert not (tmp_path / "evil.py").exists()


def test_zip_symlinks_are_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("conv1D.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(SubmissionError, match="link"):
        extract_zip(archive, tmp_path / "out")


def test_zip_bomb_is_stopped_by_bytes_written(tmp_path, monkeypatch):
    import autograder.submission.archive as archive
    monkeypatch.setattr(archive, "MAX_ZIP_BYTES", 1_000_000)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conv1D.py", b"\0" * 5_000_000)  # compresses to a few kB
    assert archive.stat().st_size < 50_000
    with pytest.raises(SubmissionError, match="unpacks to more than"):
        extract_zip(archive, tmp_path / "out")


def test_too_many_entries(tmp_path):
    archive = make_zip(tmp_path / "many.zip", [(f"f{i}.txt", "") for i in range(MAX_ZIP_FILES + 1)])
    with pytest.raises(SubmissionError, match="entries"):
        extract_zip(archive, tmp_path / "out")


def test_not_a_zip(tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip")
    with pytest.raises(SubmissionError, match="not a readable zip"):
        extract_zip(fake, tmp_path / "out")


@pytest.mark.parametrize("names", [
    ["a/" * 3000 + "conv1D.py"],                # deeper than any path may be
    ["b" * 300 + ".py"],                        # a longer name than the file system allows
    ["conv1D.py", "conv1D.py/inner.py"],        # a file, then the same name as a folder
])
def test_unextractable_names_are_the_uploads_fault_not_the_graders(tmp_path, names):
    archive = make_zip(tmp_path / "odd.zip", [(name, "x") for name in names])
    with pytest.raises(SubmissionError, match="cannot extract|appears twice"):
        extract_zip(archive, tmp_path / "out")


def test_an_entry_flagged_utf8_whose_name_is_not_is_the_uploads_fault(tmp_path):
    from support.archives import zip_with_raw_name
    archive = zip_with_raw_name(tmp_path / "names.zip", [("conv1D.py", b"x = 1\n")], b"caf\xe9.py")
    with pytest.raises(SubmissionError, match="marked as UTF-8 but is not"):
        extract_zip(archive, tmp_path / "out")


def test_a_corrupted_deflate_stream_is_the_uploads_fault(tmp_path):
    from support.archives import zip_with_corrupted_entry
    archive = zip_with_corrupted_entry(tmp_path / "bad.zip", [("notes.txt", b"a" * 5000), ("conv1D.py", b"x = 1\n" * 50)],
                                       "conv1D.py")
    with pytest.raises(SubmissionError, match=r"`conv1D.py` is damaged .*error: Error -3"):
        extract_zip(archive, tmp_path / "out")


def test_names_in_messages_stay_literal(tmp_path):
    from support.literal_markdown import MARK, assert_literal
    hostile = f"[regrade {MARK}](http:/x)/../../# {MARK}.py"
    archive = make_zip(tmp_path / f"<img src=x onerror={MARK}>.zip", [(hostile, "x")])
    with pytest.raises(SubmissionError) as caught:
        extract_zip(archive, tmp_path / "out")
    assert_literal(f"Your submission could not be graded: {caught.value}")


def inner_zips(root, written=0):
    notes = open_inner_zips(root, regular_files(root), written)
    return sorted(p.as_posix() for p in regular_files(root)), notes


def test_a_zip_inside_the_upload_becomes_a_folder_of_its_name_one_level_deep(tmp_path):
    root = tmp_path / "upload"
    root.mkdir()
    (root / "hw.ipynb").write_text("{}")
    make_zip(tmp_path / "deeper.zip", [("conv1D.py", "deeper")])
    make_zip(root / "Submission.ZIP", [("hw01/code/conv1D.py", "x = 1"), ("deeper.zip", (tmp_path / "deeper.zip").read_bytes())])
    assert inner_zips(root) == (["Submission.ZIP/deeper.zip", "Submission.ZIP/hw01/code/conv1D.py", "hw.ipynb"], [])
    assert (root / "Submission.ZIP/hw01/code/conv1D.py").read_text() == "x = 1"


def test_an_inner_zip_that_cannot_be_opened_stays_a_file_and_a_note_says_why(tmp_path):
    root = tmp_path / "upload"
    root.mkdir()
    (root / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    make_zip(root / "escape.zip", [("ok.py", "x"), ("../evil.py", "x")])
    files, notes = inner_zips(root)
    assert files == ["broken.zip", "escape.zip"] and not (tmp_path / "evil.py").exists()
    assert [n.split(":")[0] for n in notes] == ["`broken.zip`, a zip inside your upload, was not opened",
                                                "`escape.zip`, a zip inside your upload, was not opened"]
    assert "outside the archive" in notes[1]
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no half-extracted folder is left


def test_inner_zips_share_the_uploads_byte_budget(tmp_path):
    root = tmp_path / "upload"
    root.mkdir()
    make_zip(root / "big.zip", [("data.bin", b"\0" * 4096), ("readme.py", "")])
    files, notes = inner_zips(root, written=MAX_ZIP_BYTES - 1000)
    assert files == ["big.zip"] and "unpacks to more than" in notes[0]
    assert inner_zips(root, written=MAX_ZIP_BYTES - 5000) == (["big.zip/data.bin", "big.zip/readme.py"], [])


def test_a_zip_that_lists_no_code_stays_closed(tmp_path):
    root = tmp_path / "upload"
    root.mkdir()
    make_zip(root / "cifar-10.zip", [("data_batch_1", b"\0" * 4096), ("batches.meta", b"")])
    assert inner_zips(root, written=MAX_ZIP_BYTES) == (["cifar-10.zip"], [])  # not even a note
