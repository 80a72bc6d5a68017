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


def test_claims_from_both_pages_of_one_passage_each_cite_their_own_page():
    first = _passage("Le comité se réunit chaque printemps en séance plénière.", 0, 1, 0)
    second = _passage("Le comité comprend douze membres nommés pour quatre ans par le préfet.", 60, 2, 1)
    (merged,) = merge_neighbours([first], [second])
    text, citations = verify(
        "Le comité comprend douze membres nommés pour quatre ans par le préfet. [1] "
        "Le comité se réunit chaque printemps en séance plénière. [1]",
        [merged],
        get_settings(),
    )
    assert [(c.id, c.passage.page) for c in citations] == [(1, 2), (2, 1)], text
    assert text.index("[1]") < text.index("[2]")  # numbered in the answer's order
    assert citations[1].spans and all(merged.page_at(start) == 1 for start, _ in citations[1].spans)
