"""The local stack builds everything from template.yaml and nothing else."""

from __future__ import annotations

from typing import Any

from local_stack.cfn import load_template
from local_stack.stack import LocalStack, key_hash
from tests.support import ADMIN_KEY, CHECKOUT_KEY, ROOT, STOREFRONT_KEY


def test_every_table_in_the_template_exists_with_its_keys_indexes_and_stream(
    stack: LocalStack, aws: Any
) -> None:
    template = load_template(ROOT / "template.yaml")
    ddb = aws("dynamodb")
    assert stack.model is not None
    declared = {lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert set(stack.model.tables) == declared
    for lid, name in stack.model.tables.items():
        props = template["Resources"][lid]["Properties"]
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == props["KeySchema"]
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == {
            i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])
        }
        assert ("LatestStreamArn" in table) == ("StreamSpecification" in props)


def test_inventory_table_matches_the_seed_schema(stack: LocalStack, aws: Any) -> None:
    table = aws("dynamodb").describe_table(TableName="inventory-management")["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["product_id", "warehouse_id"]
    assert "category-index" in {i["IndexName"] for i in table["GlobalSecondaryIndexes"]}


def test_functions_get_exactly_the_environment_the_template_gives_them(stack: LocalStack) -> None:
    assert stack.model is not None
    template = load_template(ROOT / "template.yaml")
    functions = {lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert set(stack.model.functions) == functions
    read = stack.model.functions["InventoryReadFunction"]
    assert read.environment["INVENTORY_TABLE_NAME"] == "inventory-management"
    assert read.environment["POWERTOOLS_SERVICE_NAME"] == "checkout-inventory"
    assert "ADMIN_KEY_PARAMETER" not in read.environment  # only the authorizer reads the key digests
    authorizer = stack.model.functions["ApiKeyAuthorizerFunction"]
    assert authorizer.environment["ADMIN_KEY_PARAMETER"] == "/local/api-keys/admin"
    assert not any(len(value) == 64 for value in authorizer.environment.values())  # no digest in its env


def test_key_parameters_are_seeded_from_the_template_with_digests_only(stack: LocalStack, aws: Any) -> None:
    ssm = aws("ssm")
    for scope, key in (("admin", ADMIN_KEY), ("checkout", CHECKOUT_KEY), ("storefront", STOREFRONT_KEY)):
        value = ssm.get_parameter(Name=f"/local/api-keys/{scope}")["Parameter"]["Value"]
        assert value == key_hash(key) and key not in value


def test_every_api_event_is_routed(stack: LocalStack) -> None:
    template = load_template(ROOT / "template.yaml")
    declared = {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
        for e in (r["Properties"].get("Events") or {}).values()
        if e["Type"] == "Api"
    }
    routed = {(r["method"], r["path"]) for r in stack.describe()["routes"]}
    assert routed == declared


def test_functions_reach_aws_through_the_template_endpoint_parameter(stack: LocalStack) -> None:
    assert stack.model is not None
    for spec in stack.model.functions.values():
        assert spec.environment["AWS_ENDPOINT_URL"] == stack.aws_url


def test_sam_local_env_vars_only_name_variables_the_template_declares() -> None:
    import json

    template = load_template(ROOT / "template.yaml")
    declared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    env_file = json.loads((ROOT / "events" / "sam-local-env.json").read_text())
    assert "AWS_ENDPOINT_URL" in env_file["Parameters"]
    assert set(env_file["Parameters"]) - declared <= {"POWERTOOLS_TRACE_DISABLED"}


def test_buckets_in_the_template_exist(stack: LocalStack, aws: Any) -> None:
    assert stack.model is not None
    assert "FrontendBucket" in stack.model.buckets
    s3 = aws("s3")
    for name in stack.model.buckets.values():
        s3.head_bucket(Bucket=name)
    # locally the bucket's website is the local stack's own page server
    assert stack.model.outputs["FrontendUrl"] == stack.api_url
