"""Repair-list helpers without a database: filtering the queue, Excel and CSV bytes."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from layers.filter import Filter
from tests.helpers.samples import queue_row
from views import queue, selection, tabular
from views.names import Names

ROWS = [
    queue_row(**{"rank": 1, "layer": "roads", "id": 1, "name": "=HYPERLINK(\"http://x\")", "township": "北舞渡镇",
     "task": "抢通", "status": "not_started", "urgency": "应急", "use": "生活",
     "importance": "重点", "villages_cut_off": 1, "households": 12, "monitored_households": 3,
     "weighted_households": 20.5, "reason": "断通行政村 1 个，影响监测户 3 户；生活类；应急"}),
    queue_row(**{"rank": 2, "layer": "schools", "id": 5, "name": "沙河湾小学", "township": "北舞渡镇",
     "task": "修复", "status": "repairing", "urgency": "长远", "use": "生活",
     "importance": "一般", "villages_cut_off": 0, "households": 4, "monitored_households": 0,
     "weighted_households": 4.0, "reason": "服务行政村 1 个；生活类；长远"}),
]


def test_queue_filters_by_tier_and_allowed_features() -> None:
    assert [r.id for r in selection.filter_queue(ROWS, Filter(importance=("重点",)))] == [1]
    assert [r.id for r in selection.filter_queue(ROWS, Filter(urgency=("长远",)))] == [5]
    assert [r.id for r in selection.filter_queue(ROWS, Filter(monitored_only=True))] == [1]
    allowed = {"schools": {5}}
    assert [r.id for r in selection.filter_queue(ROWS, Filter(), allowed)] == [5]


def test_downloads_keep_chinese_and_defuse_formulas() -> None:
    frame = queue.queue_frame(ROWS, Names(), "zh")
    assert list(frame.columns[:4]) == ["序号", "图层", "编号", "名称"]
    assert frame["图层"].tolist() == ["水毁公路", "学校"]
    assert frame["状态"].tolist() == ["未开工", "修复中"]
    book = openpyxl.load_workbook(io.BytesIO(tabular.xlsx_bytes(frame, "修复清单")))
    sheet = book["修复清单"]
    formula = sheet["D2"]  # the value as stored, in a text cell Excel shows and never runs
    assert formula.value == "=HYPERLINK(\"http://x\")"
    assert formula.data_type == "s" and formula.quotePrefix
    assert sheet["N3"].value == "服务行政村 1 个；生活类；长远"
    data = tabular.csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Chinese Windows reads UTF-8
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["名称"].tolist() == ["'=HYPERLINK(\"http://x\")", "沙河湾小学"]


def test_the_excel_list_has_a_heading_a_frozen_header_and_fitted_widths() -> None:
    frame = queue.queue_frame(ROWS, Names(), "zh")
    chosen = Filter(statuses=("repairing",), townships=("411121102",), importance=("重点",))
    words = tabular.filter_words(chosen, Names(townships={"411121102": "北舞渡镇"}), "zh", "X012")
    assert words == "修复状态: 修复中; 乡镇: 北舞渡镇; 重要程度: 重点; 查找“X012”"
    assert tabular.filter_words(Filter(), Names(), "en") == "none (everything)"
    heading = ["舞阳县水毁设施修复清单", "导出时间：2021-09-15 14:03（北京时间）", f"筛选条件：{words}"]
    sheet = openpyxl.load_workbook(io.BytesIO(tabular.xlsx_bytes(frame, "修复清单", heading)))["修复清单"]
    assert [sheet.cell(row=r, column=1).value for r in (1, 2, 3)] == heading
    assert sheet["A5"].value == "序号" and sheet["N7"].value == "服务行政村 1 个；生活类；长远"
    assert sheet.freeze_panes == "A6"  # the header row stays in sight
    reason = sheet.column_dimensions["N"]
    assert reason.width == tabular.display_width("断通行政村 1 个，影响监测户 3 户；生活类；应急") + 2
    assert sheet["N6"].alignment.wrap_text
    assert sheet.column_dimensions["A"].width == tabular.display_width("序号") + 2
    assert sheet["D6"].data_type == "s" and sheet["D6"].quotePrefix  # still no formula


def test_the_phone_list_is_escaped_text_that_wraps() -> None:
    import pandas as pd

    from views.queue import compact_html

    frame = pd.DataFrame({"名称": ["<script>alert(1)</script>&桥"], "理由": ["![b](http://x/p.png)"]})
    html = compact_html(frame)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;桥" in html
    assert "<td>![b](http://x/p.png)</td>" in html  # st.html: no Markdown, so no image
    assert html.startswith("<table class='tracker-compact'>")
