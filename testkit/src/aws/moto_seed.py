"""Creates the AWS test world in a running moto server from the corpus fixtures.

Usage: python3 moto_seed.py ENDPOINT FIXTURES_DIR

Creates an IAM role, two layer versions (node-layer.zip, python-layer.zip), and
four functions: node-app and node-worker (node-basic.zip, sharing the node
layer), py-app (python-function.zip with the python layer) and image-app (a
container image). Prints a JSON object with the ARNs and CodeSha256 values.
Talks only to ENDPOINT (127.0.0.1).
"""

import json
import os
import sys
from moto_role import lambda_role

import boto3

REGION = "us-east-1"


def main() -> None:
    endpoint, fixtures = sys.argv[1], sys.argv[2]
    if not endpoint.startswith("http://127.0.0.1:"):
        sys.exit("moto_seed.py: the endpoint must be on 127.0.0.1")
    kw = dict(
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam = boto3.client("iam", **kw)
    lam = boto3.client("lambda", **kw)

    def corpus(name: str) -> bytes:
        with open(os.path.join(fixtures, "corpus", name), "rb") as f:
            return f.read()

    role = lambda_role(iam, "lambda-audit-test")

    out = {"layers": {}, "functions": {}}
    for name, zip_name, runtime in [
        ("node-deps", "node-layer.zip", "nodejs20.x"),
        ("py-deps", "python-layer.zip", "python3.12"),
    ]:
        layer = lam.publish_layer_version(
            LayerName=name,
            Content={"ZipFile": corpus(zip_name)},
            CompatibleRuntimes=[runtime],
        )
        out["layers"][name] = {
            "arn": layer["LayerVersionArn"],
            "sha256": layer["Content"]["CodeSha256"],
        }

    for name, zip_name, runtime, layer in [
        ("node-app", "node-basic.zip", "nodejs20.x", "node-deps"),
        ("node-worker", "node-basic.zip", "nodejs20.x", "node-deps"),
        ("py-app", "python-function.zip", "python3.12", "py-deps"),
    ]:
        fn = lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": corpus(zip_name)},
            Layers=[out["layers"][layer]["arn"]],
        )
        out["functions"][name] = {"arn": fn["FunctionArn"], "sha256": fn["CodeSha256"]}

    fn = lam.create_function(
        FunctionName="image-app",
        Role=role,
        PackageType="Image",
        Code={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/image-app:latest"},
    )
    out["functions"]["image-app"] = {"arn": fn["FunctionArn"], "sha256": fn["CodeSha256"]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
