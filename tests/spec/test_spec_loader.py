"""A malformed spec fails at load, naming the file, the field and why."""

import json
import textwrap

import pytest

from autograder.spec.assignment import load_assignment
from autograder.spec.loader import SpecError, load_spec
from autograder.spec.models import AssignmentSpec

GOOD = """
name: demo
title: Demo
files: [demo.py]
problems:
  - name: first
    cases:
      - name: one
        call: f
        inputs:
          x: {kind: normal, shape: [3]}
"""


def write(tmp_path, text):
    path = tmp_path / "assignment.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_good_spec_loads_with_defaults(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    assert isinstance(spec, AssignmentSpec)
    assert spec.problems[0].cases[0].points == 1.0
    assert spec.compare.kind == "allclose"


@pytest.mark.parametrize("bad, field, reason", [
    (GOOD.replace("call: f", "call: f\n        points: -1"), "problems[first].cases[one].points", "greater than or equal to 0"),
    (GOOD.replace("kind: normal", "kind: gaussian"), "problems[first].cases[one].inputs.x", "kind"),
    (GOOD.replace("call: f", "call: f\n        compare: {kind: allclose, rtol: -1}"),
     "problems[first].cases[one].compare.rtol", "greater than or equal to 0"),
    (GOOD.replace("call: f", "call: f\n        visibility: secret"), "problems[first].cases[one].visibility", "visible"),
    (GOOD.replace("files: [demo.py]", "files: [../escape.py]"), "files", "relative path"),
    (GOOD.replace("title: Demo", "title: Demo\ntypo_field: 1"), "typo_field", "Extra inputs are not permitted"),
    (GOOD.replace("    cases:", "    cases: []\n    old_cases:"), "problems[first].cases", "at least 1"),
    (GOOD + "      - name: one\n        call: g\n", "problems[first]", "duplicate case name 'one'"),
])
def test_bad_spec_names_file_field_and_reason(tmp_path, bad, field, reason):
    path = write(tmp_path, bad)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert str(path) in message
    assert field in message
    assert reason in message


def test_yaml_syntax_error_names_file(tmp_path):
    path = write(tmp_path, "name: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML") as info:
        load_spec(path)
    assert str(path) in str(info.value)


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(SpecError, match="available: .*conv1d"):
        load_assignment("no_such_assignment")


def test_schema_command_prints_the_spec_json_schema(cli):
    result = cli("schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["title"] == "AssignmentSpec"
    assert {"files", "problems"} <= set(schema["required"])
    assert "CaseSpec" in schema["$defs"]


def test_list_command_shows_conv1d(cli):
    result = cli("list")
    assert result.returncode == 0
    assert "conv1d" in result.stdout


def line_in(path, needle):
    text = path.read_text()
    return text[:text.index(needle)].count("\n") + 1


def test_a_model_error_names_the_line_of_its_field(tmp_path):
    path = write(tmp_path, GOOD.replace("call: f", "call: f\n        compare: {kind: allclose, rtol: -1}"))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value).splitlines() == [
        f"{path}: 1 problem(s) in the spec",
        f"  {path}:{line_in(path, 'compare:')}: problems[first].cases[one].compare.rtol: Input should be greater than "
        "or equal to 0 (got -1)"]


def test_a_missing_field_names_the_line_of_its_mapping(tmp_path):
    path = write(tmp_path, GOOD.replace("        call: f\n", ""))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value).splitlines()[1] == f"  {path}:{line_in(path, '- name: one')}: problems[first].cases[one].call: Field required"


def test_a_value_matching_no_member_of_a_union_is_one_problem(tmp_path):
    path = write(tmp_path, GOOD.replace("shape: [3]", "shape: [3.5]"))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value).splitlines()[1:] == [
        f"  {path}:{line_in(path, 'shape:')}: problems[first].cases[one].inputs.x.shape[0]: Input should be a valid "
        "integer, got a number with a fractional part; or Input should be a valid string (got 3.5)"]


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, "name: demo\ntitle: [unclosed\nfiles: []\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value).startswith(f"{path}:")
    assert str(info.value).split(":")[1] in ("2", "3", "4") and "not valid YAML" in str(info.value)


def test_every_field_of_the_schema_has_a_description():
    schema = AssignmentSpec.model_json_schema()
    models = {"AssignmentSpec": schema, **schema["$defs"]}
    undescribed = [f"{model}.{field}" for model, definition in models.items()
                   for field, prop in definition.get("properties", {}).items() if not prop.get("description")]
    assert undescribed == []
    assert sum(len(d.get("properties", {})) for d in models.values()) >= 80  # the walk saw the fields
