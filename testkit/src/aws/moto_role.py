"""The IAM role the test functions run as, shared by moto_seed.py and moto_deploy.py."""

import json


def lambda_role(iam, name):
    """Creates the role `name` that Lambda may assume; returns its ARN."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(policy))["Role"]["Arn"]
