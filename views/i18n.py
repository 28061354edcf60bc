"""Every string the app shows, in Chinese (the default) and English, in one place.

Pages call ``t(key, lang)``; layer, field and vocabulary labels come from the layer registry
(``Layer.label``, ``Field.label``, ``Vocabulary.label``) so they are not repeated here.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, dict[str, str]] = {
    # app frame
    "app_title": {"zh": "舞阳县水毁修复与防返贫跟踪", "en": "Wuyang flood recovery tracker"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "page_map": {"zh": "地图", "en": "Map"},
    "page_repairs": {"zh": "修复清单", "en": "Repair list"},
    "page_progress": {"zh": "进度", "en": "Progress"},
    "page_households": {"zh": "农户", "en": "Households"},
    "page_export": {"zh": "导出", "en": "Export"},
    "page_import": {"zh": "导入", "en": "Import"},
    "error_friendly": {
        "zh": "出错了：{message}",
        "en": "Something went wrong: {message}",
    },
    "error_unexpected": {
        "zh": "程序出现意外错误，请刷新页面重试；如仍出错请联系管理员。",
        "en": "An unexpected error occurred; reload the page and try again, "
              "or contact the administrator.",
    },
    "error_database": {
        "zh": "无法连接数据库：{message}",
        "en": "Cannot reach the database: {message}",
    },
    # filters
    "filters": {"zh": "筛选", "en": "Filters"},
    "f_status": {"zh": "修复状态", "en": "Repair status"},
    "f_layer": {"zh": "图层", "en": "Layers"},
    "f_township": {"zh": "乡镇", "en": "Township"},
    "f_village": {"zh": "行政村", "en": "Village"},
    "f_importance": {"zh": "重要程度", "en": "Importance"},
    "f_urgency": {"zh": "缓急", "en": "Urgency"},
    "f_monitored": {"zh": "只看影响监测户的设施", "en": "Only assets affecting monitored households"},
    "f_all": {"zh": "全部", "en": "All"},
    "f_category": {"zh": "户类别", "en": "Household category"},
    "f_only_risk": {"zh": "只看有风险点的农户", "en": "Only households with open risks"},
    "imp_key": {"zh": "重点", "en": "Key"},
    "imp_general": {"zh": "一般", "en": "General"},
    "urg_emergency": {"zh": "应急", "en": "Emergency"},
    "urg_long": {"zh": "长远", "en": "Long-term"},
    "count_assets": {"zh": "符合条件的设施：{n} 处", "en": "Matching assets: {n}"},
    "count_tasks": {"zh": "修复任务：{n} 项", "en": "Repair tasks: {n}"},
    "count_households": {"zh": "农户：{n} 户", "en": "Households: {n}"},
    "m_assets": {"zh": "设施（处）", "en": "Assets"},
    "m_tasks": {"zh": "修复任务（项）", "en": "Repair tasks"},
    "m_households": {"zh": "农户（户）", "en": "Households"},
    "count_by_layer": {"zh": "各图层数量", "en": "Count by layer"},
    # map
    "map_title": {"zh": "水毁设施与受灾农户分布图", "en": "Damaged assets and at-risk households"},
    "map_legend": {"zh": "图例", "en": "Legend"},
    "map_aggregated": {
        "zh": "农户点位较多（{n} 户），按行政村汇总显示；选择乡镇或行政村可查看每户位置。",
        "en": "{n} households: shown as totals per village; choose a township or village "
              "to see each household.",
    },
    "map_capped": {
        "zh": "{layer}：只显示前 {shown} 处（共 {total} 处），请缩小筛选范围。",
        "en": "{layer}: showing the first {shown} of {total}; narrow the filters.",
    },
    "map_viewport": {"zh": "按当前视野加载", "en": "Load features in the current view"},
    "map_viewport_help": {
        "zh": "筛选结果超过地图上限时，只加载当前视野内的设施和农户；拖动或缩放地图后自动更新。"
              "清单和统计数字仍为全部筛选结果。",
        "en": "When the filtered set exceeds the map's budget, load only the assets and "
              "households in view; panning or zooming reloads them. The list and the counts "
              "still cover the whole filtered set.",
    },
    "map_viewport_shown": {
        "zh": "视野内显示 {shown} 处 / 共 {total} 处（全部筛选结果见清单）。",
        "en": "{shown} shown in view / {total} in total (the list has them all).",
    },
    "map_viewport_offer": {
        "zh": "地图只显示部分设施：可打开“按当前视野加载”，放大查看某一区域的全部设施。",
        "en": "The map shows only part of the assets: turn on \"Load features in the current "
              "view\" and zoom in to see all of them in an area.",
    },
    "map_click_hint": {
        "zh": "点击地图上的设施或农户，在下方查看详情并更新状态。",
        "en": "Click an asset or household on the map to see its details below and update it.",
    },
    "village_total": {"zh": "{village}：{n} 户（监测对象 {m} 户）",
                      "en": "{village}: {n} households ({m} monitored)"},
    "households_at_risk_legend": {"zh": "有 2 个及以上风险点", "en": "Two or more open risks"},
    "households_one_risk_legend": {"zh": "有 1 个风险点", "en": "One open risk"},
    "households_ok_legend": {"zh": "无风险点", "en": "No open risk"},
    "legend_repairs": {"zh": "线路（颜色 = 修复状态）", "en": "Lines (colour = repair status)"},
    "legend_facilities": {"zh": "设施（圈色 = 类别，填色 = 修复状态；灰色小圈 = 未受损）",
                          "en": "Facilities (ring = kind, fill = repair status; small grey = "
                                "undamaged)"},
    "legend_totals": {"zh": "按村汇总的农户（圆面积 ∝ 户数，颜色 = 有风险点农户占比）",
                      "en": "Households per village (area ∝ households, colour = share with "
                            "open risks)"},
    "share_none": {"zh": "无风险户", "en": "None at risk"},
    "share_range": {"zh": "有风险户 {range}", "en": "{range} at risk"},
    "legend_frame": {"zh": "淹没范围与界线", "en": "Flood extent and boundaries"},
    "households_monitored_legend": {"zh": "监测对象", "en": "Monitored household"},
    "village_totals_legend": {"zh": "按村汇总的农户", "en": "Households per village"},
    "township_names": {"zh": "乡镇名称", "en": "Township names"},
    "undamaged": {"zh": "未受损", "en": "Undamaged"},
    # detail panel
    "detail": {"zh": "详情", "en": "Details"},
    "detail_none": {"zh": "尚未选择设施。", "en": "Nothing selected yet."},
    "detail_pick": {"zh": "或从列表选择", "en": "Or pick from the list"},
    "detail_missing": {"zh": "所选对象已不存在或不在当前筛选范围内。",
                       "en": "The selected feature no longer exists or is filtered out."},
    "new_status": {"zh": "新状态", "en": "New status"},
    "save_status": {"zh": "保存状态", "en": "Save status"},
    "saved": {"zh": "已保存：{name} 的状态改为 {status}（版本 {version}）。",
              "en": "Saved: {name} is now {status} (version {version})."},
    "stale": {
        "zh": "保存失败：该记录已被他人修改（您读取的是第 {version} 版）。未覆盖任何数据，"
              "请刷新后重新确认再修改。",
        "en": "Not saved: someone else changed this record since you read version {version}. "
              "Nothing was overwritten; reload and check before changing it.",
    },
    "same_status": {"zh": "状态未改变。", "en": "The status is unchanged."},
    "reload": {"zh": "刷新数据", "en": "Reload data"},
    "no_status_layer": {"zh": "该图层没有修复状态。", "en": "This layer has no repair status."},
    # repair list
    "repairs_title": {"zh": "修复优先清单（先重点后一般、先生活后生产、先应急后长远）",
                      "en": "Repair priority list (key first, living first, emergency first)"},
    "download_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "download_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "search": {"zh": "搜索名称或原因", "en": "Search name or reason"},
    "queue_unavailable": {"zh": "优先排序模块暂不可用：{message}",
                          "en": "The ranking is not available: {message}"},
    "cannot_rank": {"zh": "无法排序的设施（{n} 处）", "en": "Assets that cannot be ranked ({n})"},
    "col_problem": {"zh": "原因", "en": "Why"},
    "col_rank": {"zh": "序号", "en": "Rank"},
    "col_layer": {"zh": "图层", "en": "Layer"},
    "col_id": {"zh": "编号", "en": "ID"},
    "col_name": {"zh": "名称", "en": "Name"},
    "col_township": {"zh": "乡镇", "en": "Township"},
    "col_village": {"zh": "行政村", "en": "Village"},
    "col_task": {"zh": "任务", "en": "Task"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_urgency": {"zh": "缓急", "en": "Urgency"},
    "col_use": {"zh": "用途", "en": "Use"},
    "col_importance": {"zh": "重要程度", "en": "Importance"},
    "col_villages_cut_off": {"zh": "断通村数", "en": "Villages cut off"},
    "col_households": {"zh": "影响户数", "en": "Households"},
    "col_weighted_households": {"zh": "加权户数", "en": "Weighted households"},
    "col_reason": {"zh": "排序理由", "en": "Reason"},
    "col_deadline": {"zh": "完成时限", "en": "Deadline"},
    "col_count": {"zh": "数量", "en": "Count"},
    "col_percent": {"zh": "占比(%)", "en": "Share (%)"},
    "col_total": {"zh": "合计", "en": "Total"},
    "col_done": {"zh": "已完工", "en": "Finished"},
    "col_open": {"zh": "未完成", "en": "Open"},
    "col_days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "col_head": {"zh": "户主", "en": "Head"},
    "col_id_number": {"zh": "身份证号（已脱敏）", "en": "ID number (masked)"},
    "col_category": {"zh": "户类别", "en": "Category"},
    "col_members": {"zh": "人口", "en": "Members"},
    "col_risks": {"zh": "未消除风险点", "en": "Open risks"},
    "col_house_grade": {"zh": "房屋等级", "en": "House grade"},
    "col_helper": {"zh": "帮扶责任人", "en": "Helper"},
    "col_code": {"zh": "编码", "en": "Code"},
    "col_field": {"zh": "字段", "en": "Field"},
    "col_severity": {"zh": "损毁程度", "en": "Severity"},
    "col_resp_unit": {"zh": "责任单位", "en": "Responsible unit"},
    "col_value": {"zh": "值", "en": "Value"},
    # progress
    "progress_title": {"zh": "修复进度", "en": "Repair progress"},
    "by_status_layer": {"zh": "按状态 × 图层", "en": "By status × layer"},
    "by_township": {"zh": "按乡镇", "en": "By township"},
    "deadlines": {"zh": "两个时限", "en": "The two deadlines"},
    "deadline_houses": {"zh": "C/D级危房改造：2021年11月30日前完成",
                        "en": "Class C/D houses: repaired or rebuilt by 30 November 2021"},
    "deadline_infra": {"zh": "基础设施修复：2021年12月31日前基本完成",
                       "en": "Infrastructure: basically repaired by 31 December 2021"},
    "as_of": {"zh": "统计日期", "en": "As of"},
    "overdue_n": {"zh": "逾期 {n} 项", "en": "{n} overdue"},
    "open_houses": {"zh": "C/D级危房户（住房安全风险未消除）：{n} 户",
                    "en": "C/D-class houses with open housing risk: {n}"},
    "nothing_overdue": {"zh": "没有逾期项目。", "en": "Nothing is overdue."},
    "pct_done": {"zh": "完工率", "en": "Completion"},
    # households
    "households_title": {"zh": "受灾风险农户", "en": "At-risk households"},
    "privacy_note": {"zh": "身份证号已脱敏；不显示电话和收入。",
                     "en": "ID numbers are masked; phone numbers and income are not shown."},
    # export
    "export_title": {"zh": "导出数据（工程设计用）", "en": "Export data (for engineers)"},
    "export_layer": {"zh": "图层", "en": "Layer"},
    "export_format": {"zh": "格式", "en": "Format"},
    "export_crs": {"zh": "坐标系", "en": "Coordinate system"},
    "export_encoding": {"zh": "编码", "en": "Encoding"},
    "export_current": {"zh": "按当前地图筛选条件导出", "en": "Export what the map shows now"},
    "export_prepare": {"zh": "生成文件", "en": "Prepare file"},
    "export_download": {"zh": "下载 {filename}", "en": "Download {filename}"},
    "export_unavailable": {"zh": "导出模块暂不可用：{message}",
                           "en": "Export is not available: {message}"},
    "export_summary": {"zh": "共 {n} 个要素。", "en": "{n} features."},
    # import (issue 14): the 导入 page, the report tables and tracker import's summary
    "im_title": {"zh": "导入其他部门的数据", "en": "Import another bureau's data"},
    "im_help": {
        "zh": "支持：Shapefile（zip 压缩包）、GeoPackage、GeoJSON、CSV、Excel（.xlsx），"
              "以及防返贫监测信息系统导出的农户表。"
              "先“检查”（不写入任何数据），确认无误后再“导入”；一个文件的全部行一次写入，出错则一行也不写入。",
        "en": "Accepted: zipped shapefiles, GeoPackage, GeoJSON, CSV, Excel (.xlsx), and the household "
              "register of the national monitoring system. \"Check\" first (nothing is written), then "
              "\"Import\": all rows of a file are written together, or none.",
    },
    "im_file": {"zh": "文件", "en": "File"},
    "im_layer": {"zh": "导入到图层", "en": "Import into layer"},
    "im_layer_all": {"zh": "按表名自动对应（本系统导出的文件）", "en": "By table name (the tracker's own exports)"},
    "im_table": {"zh": "表（工作表 / 图层 / .shp）", "en": "Table (sheet / layer / .shp)"},
    "im_table_auto": {"zh": "自动", "en": "Automatic"},
    "im_bureau": {"zh": "来源单位（用于保存字段对应关系）", "en": "Bureau (to save the column mapping)"},
    "im_encoding": {"zh": "  文字编码：{encoding}", "en": "  text encoding: {encoding}"},
    "im_encoding_choice": {"zh": "文字编码", "en": "Text encoding"},
    "im_encoding_auto": {"zh": "自动识别", "en": "Detect"},
    "im_encoding_ask": {
        "zh": "无法确定文字编码，请选择显示正确的一种：",
        "en": "The text encoding cannot be told; choose the reading that is right:",
    },
    "im_crs_choice": {"zh": "坐标系", "en": "Coordinate system"},
    "im_crs_auto": {"zh": "自动（.prj 或按坐标数值判断）", "en": "Automatic (.prj or judged from the values)"},
    "im_gcj02": {"zh": "坐标来自高德/腾讯地图（GCJ-02），导入时纠正",
                 "en": "Coordinates from AMap/Tencent (GCJ-02): convert them"},
    "im_make_valid": {
        "zh": "修复无效几何（make_valid，请先查看面积变化）",
        "en": "Repair invalid geometries (make_valid; check the areas first)",
    },
    "im_check": {"zh": "检查（不写入）", "en": "Check (writes nothing)"},
    "im_commit": {"zh": "导入", "en": "Import"},
    "im_save_mapping": {"zh": "保存字段对应关系，供该单位下次使用", "en": "Save the column mapping for this bureau"},
    "im_overwrite_all": {"zh": "全部用文件中的值覆盖", "en": "Overwrite all with the file's values"},
    "im_conflicts_title": {
        "zh": "应用中已修改的记录（默认保留应用中的修改）",
        "en": "Records edited in the app (the app's values are kept unless you tick them)",
    },
    "im_overwrite_codes": {"zh": "用文件中的值覆盖以下编码", "en": "Overwrite these codes with the file's values"},
    "im_mapping_title": {"zh": "字段对应", "en": "Columns"},
    "im_mapping_edit": {"zh": "更改对应：源列 → 字段", "en": "Change a column: source → field"},
    "im_values_title": {"zh": "无法识别的取值", "en": "Values not recognised"},
    "im_problems_title": {"zh": "问题清单（{n} 条）", "en": "Problems ({n})"},
    "im_repairs_title": {"zh": "无效几何修复预览", "en": "Geometry repairs (preview)"},
    "im_download_report": {"zh": "下载问题清单（CSV）", "en": "Download the problem report (CSV)"},
    "im_recent": {"zh": "最近导入记录", "en": "Recent imports"},
    "im_progress": {"zh": "处理中：{text}", "en": "Working: {text}"},
    "im_no_file": {"zh": "请选择要导入的文件。", "en": "Choose a file to import."},
    "im_not_imported": {"zh": "（不导入）", "en": "(not imported)"},
    "im_whole_file": {"zh": "整个文件", "en": "whole file"},
    "im_error": {"zh": "错误", "en": "error"},
    "im_warning": {"zh": "提示", "en": "warning"},
    "im_how_chosen": {"zh": "手动指定", "en": "chosen"},
    "im_how_saved": {"zh": "已保存的对应", "en": "saved mapping"},
    "im_how_label": {"zh": "字段名", "en": "field name"},
    "im_how_synonym": {"zh": "同义词", "en": "synonym"},
    "im_how_role": {"zh": "定位/辅助列", "en": "locating column"},
    "im_how_system": {"zh": "系统字段，不导入", "en": "system field, not imported"},
    "im_how_ignored": {"zh": "不导入", "en": "not imported"},
    "im_how_duplicate": {"zh": "与前一列重复，不导入", "en": "same field as an earlier column, not imported"},
    "im_how_unknown": {"zh": "未识别，不导入", "en": "not recognised, not imported"},
    "im_col_layer": {"zh": "图层", "en": "Layer"},
    "im_col_row": {"zh": "行号", "en": "Row"},
    "im_col_column": {"zh": "列", "en": "Column"},
    "im_col_value": {"zh": "值", "en": "Value"},
    "im_col_reason": {"zh": "原因", "en": "Reason"},
    "im_col_severity": {"zh": "级别", "en": "Severity"},
    "im_col_proposal": {"zh": "建议", "en": "Proposal"},
    "im_col_source": {"zh": "源列", "en": "Column in the file"},
    "im_col_target": {"zh": "对应字段", "en": "Field"},
    "im_col_how": {"zh": "识别方式", "en": "Recognised as"},
    "im_col_field": {"zh": "字段", "en": "Field"},
    "im_col_code": {"zh": "字段代码", "en": "Field code"},
    "im_col_app_value": {"zh": "应用中的值", "en": "Value in the app"},
    "im_col_file_value": {"zh": "文件中的值", "en": "Value in the file"},
    "im_col_changed_by": {"zh": "修改人", "en": "Changed by"},
    "im_col_changed_at": {"zh": "修改时间", "en": "Changed at"},
    "im_col_before": {"zh": "修复前面积", "en": "Area before"},
    "im_col_after": {"zh": "修复后面积", "en": "Area after"},
    "im_col_unit": {"zh": "单位", "en": "Unit"},
    "im_col_kind": {"zh": "修复后类型", "en": "Kind after"},
    "im_skipped": {"zh": "{layer}：{reason}", "en": "{layer}: {reason}"},
    "im_layer_counts": {
        "zh": "{layer}（{table}）：读取 {rows} 行，新增 {inserted}，更新 {updated}，未变 {unchanged}，删除 {deleted}",
        "en": "{layer} ({table}): {rows} rows read, {inserted} new, {updated} updated, {unchanged} unchanged, "
              "{deleted} removed",
    },
    "im_crs": {"zh": "  坐标：{crs}", "en": "  coordinates: {crs}"},
    "im_note": {"zh": "  说明：{note}", "en": "  note: {note}"},
    "im_conflicts": {
        "zh": "  {n} 条记录在上次导入后已在应用中修改：保留应用中的修改 {kept} 条，用文件覆盖 {overwritten} 条",
        "en": "  {n} records were edited in the app since the last import: {kept} keep the app's values, {over"
              "written} take the file's",
    },
    "im_verdict_errors": {
        "zh": "发现 {n} 个错误，未写入任何数据；请修改文件（或选择对应关系）后重试。",
        "en": "{n} errors found; nothing was written. Fix the file (or the column choices) and try again.",
    },
    "im_verdict_committed": {"zh": "已导入并记录。", "en": "Imported and logged."},
    "im_verdict_dry": {"zh": "检查通过（未写入）；确认后点击“导入”。",
                       "en": "Checked (nothing written); press Import to write it."},
}


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The string ``key`` in ``lang`` (falling back to Chinese), with ``{name}`` values filled in."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**values) if values else text
