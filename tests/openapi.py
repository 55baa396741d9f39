"""The check every part of the API makes of its endpoints in the OpenAPI schema.

The schema itself is the ``schema`` fixture of ``tests/conftest.py``.
"""


def assert_described(schema: dict, endpoints: dict[str, set[str]], *, bodiless: set[str]) -> None:
    """Each path has exactly its methods, each with a summary, a 2xx, problems, and a body
    for every POST and PATCH not in ``bodiless``."""
    paths = schema["paths"]
    for path, methods in endpoints.items():
        assert path in paths, path
        assert {method for method in paths[path] if method != "parameters"} == methods, path
        for method in methods:
            operation = paths[path][method]
            assert operation.get("summary"), (path, method)
            assert any(code.startswith("2") for code in operation["responses"]), (path, method)
            if method in {"post", "patch"}:
                assert ("requestBody" in operation) == (path not in bodiless), (path, method)
            assert "application/problem+json" in str(operation["responses"]), (path, method)
