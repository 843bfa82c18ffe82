"""The NLU pipeline's own components (config.yml): a sentence encoder, a
linear intent classifier and the crisis guard that runs last."""
