from agents.calculator.settings import CalculatorSettings
from chassis import serve

serve("agents.calculator.main:build_app", CalculatorSettings())
