"""Route matching and authorizer policy evaluation follow API Gateway's rules."""

from local_stack.rest_api import RestApiGateway, _compile

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc/v1/GET/inventory/SKU-1"


def test_path_parameters_match_one_segment_and_greedy_ones_the_rest() -> None:
    pattern, params, _ = _compile("/inventory/{productId}")
    match = pattern.match("/inventory/SKU-1")
    assert match and match.groupdict() == {"productId": "SKU-1"}
    assert params == ["productId"]
    assert pattern.match("/inventory/SKU-1/reserve") is None
    greedy, _, _ = _compile("/files/{proxy+}")
    assert greedy.match("/files/a/b/c").groupdict() == {"proxy": "a/b/c"}


def test_a_trailing_newline_is_part_of_the_path_not_its_end() -> None:
    # Given the list route and the one-product route
    listing, _, _ = _compile("/inventory")
    product, _, _ = _compile("/inventory/{productId}")
    greedy, _, _ = _compile("/files/{proxy+}")
    # Then a path ending in a newline is matched the way API Gateway does, never as a shorter path
    assert listing.match("/inventory/\n") is None
    assert product.match("/inventory/\n").groupdict() == {"productId": "\n"}
    assert product.match("/inventory/SKU-1\n").groupdict() == {"productId": "SKU-1\n"}
    assert listing.match("/inventory\n") is None
    assert greedy.match("/files/a\nb/c").groupdict() == {"proxy": "a\nb/c"}


def test_literal_segments_are_more_specific_than_parameters() -> None:
    literal = _compile("/inventory/check")[2]
    param = _compile("/inventory/{productId}")[2]
    assert literal > param


def test_policy_allows_matching_wildcards_and_deny_wins() -> None:
    allow_all = {
        "Statement": [{"Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc/v1/*"}]
    }
    assert RestApiGateway._allowed(allow_all, ARN)
    other_stage = {
        "Statement": [{"Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:123456789012:abc/v2/*"}]
    }
    assert not RestApiGateway._allowed(other_stage, ARN)
    deny = {"Statement": [allow_all["Statement"][0], {"Effect": "Deny", "Resource": [ARN]}]}
    assert not RestApiGateway._allowed(deny, ARN)
