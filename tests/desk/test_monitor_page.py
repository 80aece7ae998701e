"""The coordinators' monitor page: every figure with its definition, an SVG bar chart drawn on
the server and, in the same figure, a table with the same figures (its text alternative); a
contents list that jumps to each figure; the CSV download; who may see it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desk.monitor.routes import _shown
from monitor.section import Section
from tests.desk.conftest import DeskSite

PASSWORD = "a-good-password"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ROWS = [
    "M-1,Huur,Woonstad,640,2026-10-20,A.,Jansen,Kerkstraat,12,1234AB,Voorbeeld,+31612340001,nee,",
    "M-2,Huur,Woonstad,500,2026-10-20,B.,Bakker,Kerkstraat,14,1234AB,Voorbeeld,+31612340002,nee,",
    "M-3,Energie,Eneco,300,2026-10-21,C.,Smit,Kerkstraat,16,1234AB,Voorbeeld,+31612340003,ja,",
    "M-4,Zorg,CZ,40,2026-10-21,D.,Visser,Kerkstraat,18,1234AB,Voorbeeld,+31612340004,nee,",
]
NOVEMBER = "from=2026-11-01&to=2026-11-30"


async def seeded(site: DeskSite, tmp_path: Path) -> None:
    await site.seed(ROWS, "2026-11-02T10:00", tmp_path)
    site.set_now(datetime(2026, 12, 2, 12, 0, tzinfo=AMSTERDAM))
    await site.add_user("cora", "coordinator", PASSWORD)


def row_value(page: str, section: str, key: str) -> str:
    table = re.search(rf'<table data-section="{section}"[^>]*>(.*?)</table>', page, re.S)
    assert table, f"no table for {section}"
    cell = re.search(
        rf'<tr data-key="{re.escape(key)}"><th scope="row">[^<]*</th><td>([^<]*)</td>',
        table.group(1),
    )
    assert cell, f"no row {key} in {section}"
    return cell.group(1)


async def test_a_coordinator_sees_each_figure_with_definition_chart_and_table(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await seeded(desk_site, tmp_path)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/monitor?{NOVEMBER}") as response:
            assert response.status == 200
            assert "script-src 'none'" in response.headers["Content-Security-Policy"]
            page = await response.text()
    # Nothing runs in the browser and nothing is fetched from elsewhere.
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert row_value(page, "signals_received", "total") == "4"
    assert row_value(page, "signals_received", "Huur") == "2"
    assert row_value(page, "suppressed", "Bedrag onder de drempel") == "1"
    assert row_value(page, "became_case", "percent") == "75"
    assert row_value(page, "signals_per_1000_inhabitants_per_month", "total") == "–"
    assert "stel [gemeente] inwoners in" in page
    # A chart per figure that has numbers to draw: bars for Huur, Energie and Zorg.
    chart = re.search(r'<svg[^>]*id="chart-signals_received".*?</svg>', page, re.S)
    assert chart and 'role="img"' in chart.group(0)
    assert chart.group(0).count("<rect") == 3
    assert '<title id="chart-signals_received-title">Ontvangen signalen</title>' in chart.group(0)
    assert 'style="' not in chart.group(0)  # the policy allows no inline CSS
    # Every figure states its definition.
    assert page.count('<p class="definition">') == page.count("<table data-section=")
    assert page.count('<p class="definition">') > 10
    assert "Vroegsignalen die de gemeente in de periode ontving" in page
    # Every field of the period form has a label.
    for field_id in ("monitor-from", "monitor-to"):
        assert f'<label for="{field_id}">' in page


async def test_the_default_is_last_month_and_a_bad_date_is_explained(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await seeded(desk_site, tmp_path)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/monitor") as response:
            page = await response.text()
        assert 'value="2026-11-01"' in page and 'value="2026-11-30"' in page
        assert row_value(page, "signals_received", "total") == "4"
        async with http.get(f"{desk_site.url}/desk/monitor?from=1-11-2026") as response:
            assert response.status == 400
            assert "--from: not a date" in await response.text()


async def test_the_figures_download_as_csv(desk_site: DeskSite, tmp_path: Path) -> None:
    await seeded(desk_site, tmp_path)
    async with desk_site.client() as http:
        await desk_site.login(http, "cora", PASSWORD)
        async with http.get(f"{desk_site.url}/desk/monitor/figures.csv?{NOVEMBER}") as response:
            assert response.status == 200
            assert response.content_type == "text/csv"
            assert "monitor_2026-11-01_2026-11-30.csv" in response.headers["Content-Disposition"]
            rows = list(csv.DictReader(io.StringIO(await response.text())))
    total = next(r for r in rows if r["section"] == "signals_received" and r["key"] == "total")
    assert total["value"] == "4" and total["definition"]


async def test_only_coordinators_and_admins_see_the_monitor(
    desk_site: DeskSite, tmp_path: Path
) -> None:
    await desk_site.add_user("ria", "caseworker", PASSWORD)
    await desk_site.add_user("anna", "communicator", PASSWORD)
    await desk_site.add_user("ad", "admin", PASSWORD)
    async with (
        desk_site.client() as http,
        http.get(f"{desk_site.url}/desk/monitor", allow_redirects=False) as r,
    ):
        assert r.status == 302 and r.headers["Location"] == "/desk/login"
    for name, status in (("ria", 403), ("anna", 403), ("ad", 200)):
        async with desk_site.client() as http:
            await desk_site.login(http, name, PASSWORD)
            for path in ("/desk/monitor", "/desk/monitor/figures.csv"):
                async with http.get(desk_site.url + path) as response:
                    assert response.status == status, (name, path)


# -- the page as a tree: contents links and the charts' text alternatives ------------------

VOID = frozenset(
    {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        parts = (c if isinstance(c, str) else c.text() for c in self.children)
        return " ".join("".join(parts).split())

    def all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                found += [child] if child.tag == tag else []
                found += child.all(tag)
        return found

    def ancestor(self, tag: str) -> Node | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node


class Tree(HTMLParser):
    """Just enough of an HTML parser for the desk's own, well-formed pages."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = self.current = Node("#document", {})
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)

    def by_id(self) -> dict[str, Node]:
        return {n.attrs["id"]: n for n in self._every(self.root) if "id" in n.attrs}

    def _every(self, node: Node) -> list[Node]:
        out = [node]
        for child in node.children:
            if isinstance(child, Node):
                out += self._every(child)
        return out


def table_figures(table: Node) -> dict[str, str]:
    """A figures table's rows but the total: label (its row header) -> value as shown."""
    rows = [r for r in table.all("tbody")[0].all("tr") if r.attrs["data-key"] != "total"]
    return {row.all("th")[0].text(): row.all("td")[0].text() for row in rows}


def chart_figures(svg: Node) -> dict[str, str]:
    """What the chart shows: each bar's label and the value written beside it."""
    texts = [t.text() for t in svg.all("text")]
    assert len(texts) == 2 * len(svg.all("rect")), "a label and a value per bar"
    return dict(zip(texts[::2], texts[1::2], strict=True))


async def monitor_page(site: DeskSite, locale: str) -> str:
    async with site.client() as http:
        csrf = await site.login(http, "cora", PASSWORD)
        if locale != "nl":
            async with http.post(
                f"{site.url}/desk/language", data={"csrf_token": csrf, "locale": locale}
            ) as response:
                assert response.status == 200
        async with http.get(f"{site.url}/desk/monitor?{NOVEMBER}") as response:
            assert response.status == 200
            return await response.text()


@pytest.mark.parametrize("locale", ["nl", "en"])
async def test_the_contents_jump_to_each_figure_and_each_chart_has_its_figures_as_text(
    desk_site: DeskSite, tmp_path: Path, locale: str
) -> None:
    await seeded(desk_site, tmp_path)
    tree = Tree(await monitor_page(desk_site, locale))
    ids = tree.by_id()

    # The contents: a navigation landmark named by its own heading, a link per figure.
    contents = ids["contents"]
    assert contents.tag == "h2" and contents.text() == {"nl": "Inhoud", "en": "Contents"}[locale]
    nav = contents.ancestor("nav")
    assert nav is not None and nav.attrs["aria-labelledby"] == "contents"
    links = [a for a in nav.all("a") if a.attrs["href"].startswith("#")]
    sections = [s for s in tree.root.all("section") if s.all("table")]
    assert len(links) == len(sections) > 10
    for link in links:
        target = ids.get(link.attrs["href"][1:])
        assert target is not None, f"{link.attrs['href']} points nowhere"
        heading = target.all("h2")[0]
        # The section is named by its heading, which says what the link said.
        assert target.tag == "section" and target.attrs["aria-labelledby"] == heading.attrs["id"]
        assert heading.text() == link.text()
        back = [a for a in target.all("a") if a.attrs["href"] == "#contents"]
        assert len(back) == 1  # and a way back up

    # Each chart sits in a figure with a caption and the table of its figures.
    charts = tree.root.all("svg")
    assert len(charts) >= 3
    for svg in charts:
        figure = svg.ancestor("figure")
        assert figure is not None, f"{svg.attrs['id']} is not in a figure"
        caption = ids[figure.attrs["aria-labelledby"]]
        assert caption.tag == "figcaption" and caption.parent is figure
        title = ids[svg.attrs["aria-labelledby"]].text()
        assert title in caption.text()
        (table,) = figure.all("table")
        shown = chart_figures(svg)
        in_table = table_figures(table)
        # The same figures: every bar is a row with the same value, written the same way;
        # only the total (and a figure that has no value) are not drawn.
        assert shown == {label: value for label, value in in_table.items() if value != "–"}, (
            svg.attrs["id"]
        )
    received = chart_figures(ids["chart-signals_received"])
    assert received == {"Huur": "2", "Energie": "1", "Zorg": "1"}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("nl", {"Huur": "1.234", "Zorg": "12,5"}), ("en", {"Huur": "1,234", "Zorg": "12.5"})],
)
def test_a_chart_writes_its_numbers_as_its_table_does(
    locale: str, expected: dict[str, str]
) -> None:
    section = Section(
        "example", "Voorbeeld", "Een voorbeeld.", {"Huur": 1234, "Zorg": 12.5, "total": 1246.5}
    )
    shown = _shown(section, locale)
    assert shown.svg is not None
    (svg,) = Tree(str(shown.svg)).root.all("svg")
    assert chart_figures(svg) == expected
    assert {label: value for key, label, value in shown.rows if key != "total"} == expected
