from agents.knowledge.settings import KnowledgeSettings
from chassis import serve

serve("agents.knowledge.main:build_app", KnowledgeSettings())
