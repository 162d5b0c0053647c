"""``tracr report``: the interactive page by default, the static report with --static."""

from __future__ import annotations

import pytest

from tracr.cli import main


def _fails(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_report_without_output_says_where_it_wrote(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "lib:reverse"]) == 0
    out = capsys.readouterr().out
    assert out == f"wrote {tmp_path / 'report.html'}\n"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="tracr-model"' in page and "TracrPage" in page


def test_report_initial_tokens_are_the_page_input(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", "lib:reverse", "3", "1", "-o", str(out)]) == 0
    assert '"initial": ["3", "1"]' in out.read_text(encoding="utf-8")


def test_report_size_guard(tmp_path, capsys):
    err = _fails(capsys, ["report", "lib:reverse", "--max-params", "10", "-o",
                          str(tmp_path / "r.html")])
    assert "above the interactive page's limit of 10; pass max_params=" in err
    assert "(tracr report --max-params" in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--static"], "--static reports one input: give its tokens"),
    (["1", "--svg"], "--svg applies to --static reports"),
])
def test_report_option_errors(tmp_path, capsys, argv, message):
    assert message in _fails(capsys, ["report", "lib:reverse", *argv])
