from chassis import serve
from orchestrator.settings import OrchestratorSettings

serve("orchestrator.main:build_app", OrchestratorSettings())
