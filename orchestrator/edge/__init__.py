"""The hub as an A2A agent: its card and the A2A operations on the public edge."""
