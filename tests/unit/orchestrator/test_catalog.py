from __future__ import annotations

from packaging.specifiers import SpecifierSet

from agents.calculator.main import AGENT as CALCULATOR
from agents.summarizer.main import AGENT as SUMMARIZER
from chassis.card import HubspokeCard
from orchestrator.registry.catalog import Catalog
from tests.unit.orchestrator.conftest import card_for


def catalog() -> Catalog:
    index = Catalog()
    index.put(HubspokeCard.parse(card_for(CALCULATOR, "calculator")))
    index.put(HubspokeCard.parse(card_for(SUMMARIZER, "summarizer")))
    return index


def test_search_ranks_the_matching_skill_first() -> None:
    assert catalog().search("condense this text")[0][0] == "summarizer"
    assert catalog().search("what percent is that")[0][0] == "calculator"
    assert catalog().search("zebra") == []


def test_filters_combine() -> None:
    index = catalog()
    assert index.filter(skill="arithmetic", tag="math") == ["calculator"]
    assert index.filter(skill="arithmetic", tag="text") == []
    assert index.filter(versions=SpecifierSet("<0.1")) == []


def test_removing_an_agent_removes_it_from_every_index() -> None:
    index = catalog()
    index.remove("summarizer")
    assert index.search("summarize") == []
    assert index.filter(tag="text") == []
    assert len(index) == 1


def test_replacing_a_card_reindexes_it() -> None:
    index = catalog()
    card = card_for(CALCULATOR, "calculator")
    card["skills"][0]["tags"] = ["geometry"]
    index.put(HubspokeCard.parse(card))
    assert index.filter(tag="math") == []
    assert index.filter(tag="geometry") == ["calculator"]
