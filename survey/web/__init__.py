"""The Flask plumbing every blueprint shares: settings, the request's database session, locale,
assets, headers, input guards, error pages and logging. survey.app assembles it."""
