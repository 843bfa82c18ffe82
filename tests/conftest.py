# Fixtures that start real servers live in tests/fixtures.py; they only start
# when a test asks for them.
pytest_plugins = ["tests.fixtures"]
