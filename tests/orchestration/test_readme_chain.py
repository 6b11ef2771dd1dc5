"""The README's chain of asset keys is the asset graph, so a newcomer reading it is not misled."""

import re
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs

README = Path(__file__).parents[2] / "README.md"
# A concrete key in the chain block: layer/name, with no placeholder (<object>, int_*).
ASSET_KEY = re.compile(
    r"\b(raw_crm|staging|intermediate|marts|ml|actions|reverse_etl)/([a-z0-9_]+)(?![\w*<])"
)


def _chain_block() -> str:
    text = README.read_text()
    section = text[text.index("## The chain") :]
    return section[section.index("```") + 3 : section.index("```", section.index("```") + 3)]


def test_every_asset_key_named_in_the_readme_chain_exists():
    graph_keys = defs.resolve_asset_graph().get_all_asset_keys()
    named = {dg.AssetKey([layer, name]) for layer, name in ASSET_KEY.findall(_chain_block())}

    assert len(named) >= 12
    assert named <= graph_keys, sorted(key.to_user_string() for key in named - graph_keys)


def test_the_readme_chain_runs_in_the_graphs_order():
    graph = defs.resolve_asset_graph()
    named = [dg.AssetKey([layer, name]) for layer, name in ASSET_KEY.findall(_chain_block())]
    order = {key: index for index, key in enumerate(named)}

    # No key named later in the README is upstream of one named earlier.
    for key in named:
        for parent in graph.get(key).parent_keys:
            if parent in order:
                assert order[parent] <= order[key], (
                    f"{parent.to_user_string()} is upstream of {key.to_user_string()}"
                )
