"""The knowledge agent: answers from the project's own documents, with citations."""
