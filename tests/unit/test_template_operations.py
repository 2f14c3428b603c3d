"""Operations wiring in template.yaml: no alarm goes unheard."""

from local_stack.cfn import load_template
from tests.support import ROOT

TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]


def test_every_alarm_notifies_the_operations_topic() -> None:
    alarms = {lid: r["Properties"] for lid, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert {"Api5xxAlarm", "OrderDeadLettersAlarm", "ReservationExecutionsLostAlarm"} <= set(alarms)
    for lid, props in alarms.items():
        assert props.get("AlarmActions") == [{"Ref": "OperationsTopic"}], lid


def test_api_alarm_watches_the_api_by_the_name_it_is_given() -> None:
    api_name = RESOURCES["InventoryApi"]["Properties"]["Name"]
    dimensions = {d["Name"]: d["Value"] for d in RESOURCES["Api5xxAlarm"]["Properties"]["Dimensions"]}
    assert dimensions["ApiName"] == api_name
    assert dimensions["Stage"] == {"Ref": "StageName"}


def test_operations_email_is_optional() -> None:
    subscription = RESOURCES["OperationsEmailSubscription"]
    assert subscription["Condition"] == "HasOperationsEmail"
    assert TEMPLATE["Parameters"]["OperationsEmail"]["Default"] == ""
