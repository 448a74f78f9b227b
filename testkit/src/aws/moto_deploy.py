"""Deploys layers and functions described on standard input into a running moto.

Usage: python3 moto_deploy.py ENDPOINT < SPEC.json

SPEC: {"layers": [{"name", "zip" (hex), "architectures": [...]}],
       "functions": [{"name", "zip" (hex), "runtime", "handler",
                      "architectures": [...], "layers": [layer names]}]}
Creates the IAM role functions need, publishes each layer, creates each
function with the ARNs of the layers it names. Prints a JSON object with the
ARNs and CodeSha256 values by name, as moto_seed.py does. Talks only to
ENDPOINT (127.0.0.1).
"""

import json
import sys
from moto_role import lambda_role

import boto3

REGION = "us-east-1"


def main() -> None:
    endpoint = sys.argv[1]
    if not endpoint.startswith("http://127.0.0.1:"):
        sys.exit("moto_deploy.py: the endpoint must be on 127.0.0.1")
    spec = json.load(sys.stdin)
    kw = dict(
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam = boto3.client("iam", **kw)
    lam = boto3.client("lambda", **kw)
    role = lambda_role(iam, "lambda-audit-deploy")

    out = {"layers": {}, "functions": {}}
    for layer in spec.get("layers", []):
        published = lam.publish_layer_version(
            LayerName=layer["name"],
            Content={"ZipFile": bytes.fromhex(layer["zip"])},
            CompatibleArchitectures=layer["architectures"],
        )
        out["layers"][layer["name"]] = {
            "arn": published["LayerVersionArn"],
            "sha256": published["Content"]["CodeSha256"],
        }
    for fn in spec.get("functions", []):
        created = lam.create_function(
            FunctionName=fn["name"],
            Runtime=fn["runtime"],
            Role=role,
            Handler=fn["handler"],
            Code={"ZipFile": bytes.fromhex(fn["zip"])},
            Architectures=fn["architectures"],
            Layers=[out["layers"][name]["arn"] for name in fn["layers"]],
        )
        out["functions"][fn["name"]] = {
            "arn": created["FunctionArn"],
            "sha256": created["CodeSha256"],
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
