"""The template reader resolves intrinsics the way CloudFormation would."""

from pathlib import Path

import pytest

from local_stack.cfn import Resolver, ResourceRefs, TemplateError, load_template, parameter_values

TEMPLATE = """
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Origins: {Type: CommaDelimitedList, Default: "a,b"}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-${Env}-table"
      Tags: !If [IsProd, [{Key: k, Value: v}], !Ref AWS::NoValue]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: !Ref Table
          ARN: !GetAtt Table.Arn
          JOINED: !Join ["/", [x, !Ref Env]]
          FIRST: !Select [0, !Split [",", "p,q"]]
          SUBBED: !Sub ["${A}-${Table.Arn}", {A: alpha}]
          LITERAL: !Sub "keep ${!this}"
"""


@pytest.fixture
def template(tmp_path: Path) -> dict:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return load_template(path)


def resolver(template: dict, **overrides: str) -> Resolver:
    refs = {"Table": ResourceRefs("stack-dev-table", {"Arn": "arn:table"})}
    return Resolver(template, parameter_values(template, overrides), refs, "eu-west-1", "stack")


def test_given_intrinsics_when_resolved_then_values_match_cloudformation(template: dict) -> None:
    # Given a template using Ref, GetAtt, Join, Select, Split and Sub
    variables = template["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
    # When it is resolved with default parameters
    resolved = resolver(template).resolve(variables)
    # Then each intrinsic has its CloudFormation meaning
    assert resolved == {
        "TABLE": "stack-dev-table",
        "ARN": "arn:table",
        "JOINED": "x/dev",
        "FIRST": "p",
        "SUBBED": "alpha-arn:table",
        "LITERAL": "keep ${this}",
    }


def test_given_condition_false_when_if_picks_no_value_then_key_is_dropped(template: dict) -> None:
    props = resolver(template).resolve(template["Resources"]["Table"]["Properties"])
    assert props == {"TableName": "stack-dev-table"}


def test_given_condition_true_when_resolved_then_if_takes_first_branch(template: dict) -> None:
    props = resolver(template, Env="prod").resolve(template["Resources"]["Table"]["Properties"])
    assert props["Tags"] == [{"Key": "k", "Value": "v"}]
    assert props["TableName"] == "stack-prod-table"


def test_comma_delimited_list_parameters_become_lists(template: dict) -> None:
    assert parameter_values(template, {})["Origins"] == ["a", "b"]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [({"Env": "staging"}, "not one of"), ({"Nope": "x"}, "unknown parameter")],
)
def test_bad_parameter_overrides_are_refused(template: dict, overrides: dict, problem: str) -> None:
    with pytest.raises(TemplateError, match=problem):
        parameter_values(template, overrides)


def test_ref_to_unknown_name_is_an_error(template: dict) -> None:
    with pytest.raises(TemplateError, match="unknown"):
        resolver(template).resolve({"Ref": "Missing"})
