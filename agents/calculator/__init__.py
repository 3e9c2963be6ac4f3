"""The calculator agent: evaluates arithmetic found in a task's text."""
