"""`flask breakouts solve FILE.json` round-trips a problem file to a result on stdout."""
import json

import pytest

from app import create_app
from config import TestConfig

PROBLEM = {
    "groups": [{"id": "A1", "topic": "A", "min_size": 2, "max_size": 3},
               {"id": "A2", "topic": "A", "min_size": 2, "max_size": 3},
               {"id": "B1", "topic": "B", "min_size": 2, "max_size": 3}],
    "people": [
        {"id": "p1", "sector": "civil_society", "organisation": "NABU", "preferences": ["A", "B"],
         "pinned_group": None},
        {"id": "p2", "sector": "civil_society", "organisation": "NABU", "preferences": ["A", "B"],
         "pinned_group": None},
        {"id": "p3", "sector": "public_administration", "organisation": "BMI",
         "preferences": ["B", "A"], "pinned_group": "B1"},
        {"id": "p4", "sector": "public_administration", "organisation": None,
         "preferences": ["A"], "pinned_group": None},
        {"id": "p5", "sector": "business", "organisation": None, "preferences": ["B"],
         "pinned_group": None},
        {"id": "p6", "sector": "research", "organisation": None, "preferences": [],
         "pinned_group": None},
        {"id": "p7", "sector": "research", "organisation": None, "preferences": ["A", "B"],
         "pinned_group": None},
        {"id": "p8", "sector": "unknown", "organisation": None, "preferences": ["B", "A"],
         "pinned_group": None},
    ],
    "keep_apart": [["p1", "p2"]],
    "keep_together": [["p5", "p6"]],
    "mix_weight": 1.0,
}


@pytest.fixture(scope="module")
def cli():
    """A small app of its own: the command needs no database."""
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://").test_cli_runner()


def solve(cli, tmp_path, problem):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    return cli.invoke(args=["breakouts", "solve", str(path)])


def test_solving_a_problem_file_prints_a_complete_valid_assignment(cli, tmp_path):
    result = solve(cli, tmp_path, PROBLEM)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assignment = out["assignment"]
    assert set(assignment) == {p["id"] for p in PROBLEM["people"]}
    sizes = {g["id"]: list(assignment.values()).count(g["id"]) for g in PROBLEM["groups"]}
    assert all(sizes[g["id"]] <= g["max_size"] for g in PROBLEM["groups"])
    assert assignment["p3"] == "B1"
    assert assignment["p1"] != assignment["p2"]
    assert assignment["p5"] == assignment["p6"]
    assert out["figures"]["rule_violations"] == 0
    assert out["status"] == "optimal" and out["gap"] == 0.0
    assert out["bound"] <= out["objective"]
    assert set(out["reasons"]) == set(assignment)
    assert out["reasons"]["p3"]["de"] == "Von der Moderation fest dieser Gruppe zugeordnet"
    # Reproducible: the same file gives the same output.
    assert solve(cli, tmp_path, PROBLEM).output == result.output


def test_an_impossible_problem_prints_an_error_and_exits_1(cli, tmp_path):
    problem = dict(PROBLEM, keep_together=[["p1", "p3"], ["p1", "p2"]])
    result = solve(cli, tmp_path, problem)
    assert result.exit_code == 1
    out = json.loads(result.output)
    assert out["status"] == "infeasible"
    assert "kept apart and kept together" in out["error"]["en"]
    assert out["assignment"] == {}


def test_a_file_that_is_not_a_problem_is_refused(cli, tmp_path):
    result = solve(cli, tmp_path, {"people": "nobody"})
    assert result.exit_code == 1
    out = json.loads(result.output)
    assert out["status"] == "invalid" and out["error"]["en"].startswith("Not a valid problem file")


def test_a_mixing_step_prints_the_fewest_colleague_pairs(cli, tmp_path):
    result = solve(cli, tmp_path, dict(PROBLEM, keep_apart=[], mix_weight=2.0))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["figures"]["colleagues_first"] is True
    assert out["fewest_colleague_pairs"] == 0 == out["figures"]["same_organisation_pairs"]
    assert out["figures"]["objective_parts"]["organisation"] == 0.0
    balanced = json.loads(solve(cli, tmp_path, dict(PROBLEM, keep_apart=[])).output)
    assert balanced["fewest_colleague_pairs"] is None
    assert balanced["figures"]["colleagues_first"] is False
