"""Planning: Semantic Kernel and the chat services that turn a request into agent calls."""
