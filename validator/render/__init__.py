"""render: the validated organisation as PagerDuty, AWS IAM and CODEOWNERS configuration."""
