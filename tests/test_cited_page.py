"""A citation names the page its supporting sentence is on, even when the passage runs over two pages."""

from __future__ import annotations

from ingest_helpers import make_passage

from assistant.context import merge_neighbours
from assistant.verify import verify
from core.settings import get_settings
from core.types import Chunk, Passage, _page_starts


def _passage(text: str, start: int, page: int, index: int, breaks: str = "") -> Passage:
    meta = {"page": page, "page_breaks": breaks}
    return make_passage(
        text,
        node_id=f"n{index}",
        source="arrete.pdf",
        page=page,
        start=start,
        end=start + len(text),
        chunk_index=index,
        page_starts=_page_starts(meta),
    )


def test_page_breaks_travel_from_the_chunk_to_the_passage():
    chunk = Chunk("a", 0, 1, 3, "", 0, page_end=4, page_breaks=((120, 4),))
    assert chunk.page_breaks_field() == "120:4"
    p = _passage("x" * 200, 0, 3, 0, chunk.page_breaks_field())
    assert (p.page_at(10), p.page_at(150)) == (3, 4)


def test_a_claim_from_the_second_page_of_a_merged_passage_cites_that_page():
    first = _passage("Le comité se réunit au printemps. Il adopte son règlement intérieur.", 0, 1, 0)
    second_text = "Le comité comprend douze membres nommés pour quatre ans par le préfet de région."
    second = _passage(second_text, 80, 2, 1)
    (merged,) = merge_neighbours([first], [second])
    assert merged.page == 1 and merged.page_at(len(merged.text) - 5) == 2
    text, citations = verify(
        "Le comité comprend douze membres nommés pour quatre ans par le préfet de région. [1]",
        [merged],
        get_settings(),
    )
    assert citations and citations[0].passage.page == 2, text
