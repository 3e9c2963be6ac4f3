from agents.summarizer.settings import SummarizerSettings
from chassis import serve

serve("agents.summarizer.main:build_app", SummarizerSettings())
