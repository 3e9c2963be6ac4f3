"""The summarizer agent: extractive summaries, and a record of finished tasks."""
