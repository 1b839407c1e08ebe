"""The catalogue-derived NLU data: up to date, and its patterns match what customers type."""

from __future__ import annotations

import json
import re

from nlu.generated import ORDER_ID_PATTERN, POINTS_PATTERN, render_entities, render_faq_responses
from nlu.training import Project
from runtime.settings import PROJECT_ROOT


def test_generated_files_match_the_catalogue() -> None:
    project = Project(PROJECT_ROOT)
    catalogue = json.loads(project.catalogue.read_text(encoding="utf-8"))
    source = project.catalogue.name
    assert (project.data_dir / "entities.yml").read_text(encoding="utf-8") == render_entities(catalogue, source)
    assert (project.data_dir / "faq_responses.yml").read_text(encoding="utf-8") == render_faq_responses(
        catalogue, source
    )


def test_every_product_name_is_in_the_lookup_and_maps_to_its_sku() -> None:
    project = Project(PROJECT_ROOT)
    catalogue = json.loads(project.catalogue.read_text(encoding="utf-8"))
    text = (project.data_dir / "entities.yml").read_text(encoding="utf-8")
    for product in catalogue["products"]:
        assert f"- synonym: {json.dumps(product['sku'])}" in text
        assert f"    - {product['name_zh']}\n" in text and f"    - {product['name_en']}\n" in text


def test_order_id_pattern() -> None:
    assert re.search(ORDER_ID_PATTERN, "订单SO-20260105-001到哪了").group() == "SO-20260105-001"  # type: ignore[union-attr]
    assert re.search(ORDER_ID_PATTERN, "so20260105001 please", re.I).group() == "so20260105001"  # type: ignore[union-attr]
    assert re.search(ORDER_ID_PATTERN, "ISO-20260105-0011") is None


def test_points_pattern() -> None:
    assert re.search(POINTS_PATTERN, "用500积分换").group() == "500"  # type: ignore[union-attr]
    assert re.search(POINTS_PATTERN, "redeem 200 points").group() == "200"  # type: ignore[union-attr]
