pytest_plugins = ("tests.pg_plugin",)
