"""The checks: pure logic over `conformance.ports`, one module per concern."""
