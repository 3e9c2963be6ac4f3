"""Conversations: the short-term memory of A2A contexts (follow-ups continue them)."""
